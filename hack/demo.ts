// `make demo`: starts a local control plane (or uses the cluster KUBECONFIG points at), installs the CRDs, runs
// the operator (with its admission webhooks on a local cluster), applies the samples and tells a story: tasks
// unblock, approvers decide the prod change (one is refused by separation of duties), the audit trail verifies,
// and a task goes overdue. Ctrl-C tears it all down.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { KubeClient } from "../src/runtime/kube/client.js";
import { createServingCertificate, waitForWebhookPort } from "./demo/webhook-setup.js";
import { demoStory } from "./demo/story.js";
import { resolveBinDir, runKubectl, startLocalCluster, type LocalCluster } from "./local-cluster/index.js";
import { registerLocalWebhooks } from "./local-cluster/webhooks.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const work = mkdtempSync(path.join(tmpdir(), "stagegate-demo-"));
const external = process.env.KUBECONFIG !== undefined && process.env.KUBECONFIG !== "";

let cluster: LocalCluster | undefined;
const running: { operator?: ChildProcess } = {};
let stopping = false;

async function teardown(code: number): Promise<never> {
  if (stopping) process.exit(code);
  stopping = true;
  console.log("\nTearing down the demo...");
  running.operator?.kill("SIGTERM");
  if (external) {
    await kubectl(["delete", "-f", path.join(repo, "config/samples"), "--ignore-not-found", "--wait=false"]);
  }
  await cluster?.stop();
  console.log("Done.");
  process.exit(code);
}
process.on("SIGINT", () => void teardown(0));
process.on("SIGTERM", () => void teardown(0));

const binDir = await resolveBinDir();
let adminConfig: string;
let operatorConfig: string;
if (external) {
  adminConfig = operatorConfig = process.env.KUBECONFIG ?? "";
  console.log(`Using the cluster of KUBECONFIG=${adminConfig}`);
  await kubectl(["apply", "--server-side", "-f", path.join(repo, "crds")], true);
  await kubectl(["apply", "--server-side", "-f", path.join(repo, "config/rbac")], true);
} else {
  console.log(
    "Starting a local control plane (etcd + kube-apiserver built from Go modules; first run builds them)...",
  );
  cluster = await startLocalCluster({
    dir: path.join(work, "cluster"),
    thirdPartyCrds: false,
    installCrdsFrom: [
      path.join(repo, "crds"),
      path.join(repo, "config/rbac"),
      path.join(repo, "config/policy"),
      path.join(repo, "hack/manifests"),
    ],
  });
  adminConfig = cluster.kubeconfigs.admin ?? "";
  operatorConfig = cluster.kubeconfigs.operator ?? "";
  console.log(`kube-apiserver ${cluster.version} at ${cluster.server}`);
  console.log(`To look around in another terminal: export KUBECONFIG=${adminConfig} PATH=${binDir}:$PATH`);
}

async function kubectl(args: string[], mustSucceed = false): Promise<string> {
  const result = await runKubectl({ binDir, kubeconfig: adminConfig }, args);
  if (mustSucceed && result.code !== 0) {
    console.error(result.stderr);
    await teardown(1);
  }
  return result.stdout;
}

const logFile = path.join(work, "operator.log");
const auditLog = path.join(work, "audit.jsonl");
// The operator's admission webhooks need the API server to reach this machine: only for the demo's own cluster.
const webhookCerts =
  cluster === undefined ? undefined : await createServingCertificate(path.join(work, "webhook"));
console.log(`Starting the operator (logs: ${logFile})...`);
const operator = spawn(
  process.execPath,
  [
    "--import",
    "tsx",
    path.join(repo, "src/cmd/stagegate.ts"),
    "run",
    `--kubeconfig=${operatorConfig}`,
    "--health-probe-bind-address=127.0.0.1:0",
    "--metrics-bind-address=127.0.0.1:0",
    "--leader-elect=false",
    `--audit-log=${auditLog}`,
    ...(webhookCerts === undefined
      ? ["--webhook-bind-address=0"]
      : ["--webhook-bind-address=127.0.0.1:0", `--webhook-cert-dir=${webhookCerts.dir}`]),
  ],
  { cwd: repo, stdio: ["ignore", "pipe", "pipe"] },
);
const log = createWriteStream(logFile);
running.operator = operator;
operator.stdout?.pipe(log);
operator.stderr?.pipe(log);
operator.once("exit", (code) => {
  if (!stopping) {
    console.error(`The operator exited (code ${code}); see ${logFile}`);
    void teardown(1);
  }
});

if (webhookCerts !== undefined) {
  const port = await waitForWebhookPort(logFile);
  const admin = await KubeClient.connect(adminConfig);
  await registerLocalWebhooks(admin, {
    name: "demo",
    baseUrl: `https://127.0.0.1:${port}`,
    caBundle: webhookCerts.caBundle,
  });
  admin.close();
  console.log(`The operator serves its admission webhooks on 127.0.0.1:${port}; the API server calls them.`);
} else {
  console.log("Admission webhooks are off: a remote API server cannot call an operator on this machine.");
}

await kubectl(["apply", "-f", path.join(repo, "config/samples")], true);

const story = demoStory({
  repo,
  kubectl: (args) => kubectl(args, true),
  kubeconfigs: cluster?.kubeconfigs,
  auditLog,
});

const started = Date.now();
for (;;) {
  const elapsed = (Date.now() - started) / 1000;
  for (const step of story.filter((s) => s.atSeconds <= elapsed)) {
    story.splice(story.indexOf(step), 1);
    const said = await step.run();
    console.log(`\n>>> ${step.say}\n${said.trim()}\n`);
  }
  const table = await kubectl(["get", "stagegate", "-A"]);
  console.log(
    `\n--- kubectl get stagegate -A   (${Math.round(elapsed)} s; the readiness check is due 1 minute after it was applied; Ctrl-C to stop)\n${table}`,
  );
  await new Promise((resolve) => setTimeout(resolve, 4_000));
}
