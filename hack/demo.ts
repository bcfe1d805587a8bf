// `make demo`: starts a local control plane (or uses the cluster KUBECONFIG points at), installs the CRDs, runs
// the operator (with its admission webhooks on a local cluster), applies the samples and tells a story: tasks
// unblock, approvers decide the prod change (one is refused by separation of duties), the audit trail verifies,
// a task goes overdue, Release shop is promoted through dev and a gated prod-eu, with a stand-in
// completing the Argo CD syncs, and a preview of the shop follows the WorkflowTemplate shop-preview (its template
// task, `-wf-` in `kubectl get deploymenttasks`, is done before it enters dev). Ctrl-C tears it all down.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { KubeClient } from "../src/runtime/kube/client.js";
import { startArgoCDStandIn, type ArgoCDStandIn } from "./demo/argocd-stand-in.js";
import { promotionStory } from "./demo/promotion-story.js";
import { changeControlStory, type StoryContext } from "./demo/story.js";
import { templateStory } from "./demo/template-story.js";
import { playStory } from "./demo/story-runner.js";
import { createServingCertificate, waitForWebhookPort } from "./demo/webhook-setup.js";
import { resolveBinDir, runKubectl, startLocalCluster, type LocalCluster } from "./local-cluster/index.js";
import { findFreePort } from "./local-cluster/free-port.js";
import { registerLocalWebhooks } from "./local-cluster/webhooks.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const work = mkdtempSync(path.join(tmpdir(), "stagegate-demo-"));
const external = process.env.KUBECONFIG !== undefined && process.env.KUBECONFIG !== "";

let cluster: LocalCluster | undefined;
const running: { operator?: ChildProcess; argoCD?: ArgoCDStandIn; admin?: KubeClient } = {};
const story = new AbortController();
let stopping = false;
let stoppingSince = 0;
/** A second Ctrl-C this soon after the first is the same one delivered twice (by the terminal and by tsx). */
const REPEATED_SIGNAL_MS = 2_000;

async function teardown(code: number): Promise<never> {
  if (stopping) process.exit(code);
  stopping = true;
  stoppingSince = Date.now();
  console.log("\nTearing down the demo...");
  story.abort();
  await running.argoCD?.stop();
  running.admin?.close();
  running.operator?.kill("SIGTERM");
  if (external) {
    await kubectl(["delete", "-f", path.join(repo, "config/samples"), "--ignore-not-found", "--wait=false"]);
  }
  await cluster?.stop();
  console.log("Done.");
  process.exit(code);
}
function onSignal(): void {
  // While tearing down, a later Ctrl-C forces the exit; the echo of the first one does not.
  if (stopping && Date.now() - stoppingSince < REPEATED_SIGNAL_MS) return;
  void teardown(0);
}
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

const binDir = await resolveBinDir();
let adminConfig: string;
let operatorConfig: string;
if (external) {
  adminConfig = operatorConfig = process.env.KUBECONFIG ?? "";
  console.log(`Using the cluster of KUBECONFIG=${adminConfig}`);
  // -k, not -f: both directories hold a kustomization.yaml (config/default builds on them).
  await kubectl(["apply", "--server-side", "-k", path.join(repo, "crds")], true);
  await kubectl(["apply", "--server-side", "-k", path.join(repo, "config/rbac")], true);
} else {
  console.log(
    "Starting a local control plane (etcd + kube-apiserver built from Go modules; first run builds them)...",
  );
  cluster = await startLocalCluster({
    dir: path.join(work, "cluster"),
    // The real Argo CD Application CRD (and Flux's): the shop's release is delivered through Applications.
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
// The webhooks' port is chosen here, so the admission guard can be told where they must point.
const webhookPort = webhookCerts === undefined ? 0 : await findFreePort();
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
    // The story reads no metrics; a real install serves them over HTTPS to the stagegate-metrics-reader role.
    "--metrics-bind-address=0",
    "--leader-elect=false",
    `--audit-log=${auditLog}`,
    // The event receivers (pipeline events) use the webhooks' certificate; the story sends them nothing,
    // so they get a free loopback port, and are off where there is no certificate.
    ...(webhookCerts === undefined
      ? // No webhooks on a cluster that cannot call this machine: nothing for the admission guard to check.
        ["--webhook-bind-address=0", "--events-bind-address=0", "--admission-guard=false"]
      : [
          `--webhook-bind-address=127.0.0.1:${webhookPort}`,
          // What registerLocalWebhooks registers below, which the admission guard checks.
          `--webhook-url=https://127.0.0.1:${webhookPort}`,
          "--mutating-webhook-configuration=demo-stagegate-mutating-webhooks",
          "--validating-webhook-configuration=demo-stagegate-validating-webhooks",
          "--events-bind-address=127.0.0.1:0",
          `--webhook-cert-dir=${webhookCerts.dir}`,
          // Only the API server may call the webhooks: it presents a certificate of this CA.
          `--webhook-client-ca-file=${cluster?.webhookClientCaFile ?? ""}`,
        ]),
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

const admin = await KubeClient.connect(adminConfig);
running.admin = admin;
if (webhookCerts !== undefined) {
  const port = await waitForWebhookPort(logFile);
  await registerLocalWebhooks(admin, {
    name: "demo",
    baseUrl: `https://127.0.0.1:${port}`,
    caBundle: webhookCerts.caBundle,
  });
  console.log(`The operator serves its admission webhooks on 127.0.0.1:${port}; the API server calls them.`);
} else {
  console.log("Admission webhooks are off: a remote API server cannot call an operator on this machine.");
}

await kubectl(["apply", "-f", path.join(repo, "config/samples")], true);

const ctx: StoryContext = {
  repo,
  kubectl: (args) => kubectl(args, true),
  client: admin,
  binDir,
  workDir: work,
  kubeconfigs: cluster?.kubeconfigs,
  auditLog,
};
const tracks = [changeControlStory(ctx)];
if (cluster === undefined) {
  console.log(
    "Skipping the approvals and the shop's promotion: they need the local cluster's people (alice, carol, " +
      "dave, erin, grace), and the promotion plays the Argo CD controller, which must not run beside a " +
      "real one.",
  );
} else {
  await kubectl(["apply", "-f", path.join(repo, "hack/demo/shop-platform.yaml")], true);
  running.argoCD = startArgoCDStandIn(admin, {
    namespace: "argocd",
    syncMs: 3_000,
    pollMs: 1_000,
    say: (line) => console.log(line),
  });
  tracks.push(await promotionStory(ctx, 34));
  tracks.push(await templateStory(ctx, 40));
}

await playStory({
  tracks,
  table: () => kubectl(["get", "stagegate", "-A"]),
  ending:
    "That is the story. The readiness check turns Overdue a minute after it was applied (its SLA); the " +
    "table keeps updating. Ctrl-C tears everything down.",
  waitSeconds: 90,
  signal: story.signal,
});
