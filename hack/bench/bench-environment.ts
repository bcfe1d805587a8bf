import { randomBytes } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { argoSyncs } from "../../tests/support/gitops-driver.js";
import { waitFor } from "../../tests/support/kube.js";
import { startOperator, type OperatorProcess } from "../../tests/support/operator-process.js";
import { startLocalCluster, type LocalCluster } from "../local-cluster/index.js";
import { createWebhookTls, writeOperatorCertDir } from "../local-cluster/webhook-tls.js";
import type { Cleanup } from "./cleanup.js";
import { benchAlertLabels, ReceiverClient } from "./receiver-client.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const API_VERSION = "stagegate.io/v1alpha1";
const APP = deliveryResources.argoCDApplication;
const APPLICATION = "shop-prod";
const ENVIRONMENT = "prod";
const RELEASE = "shop-1";
const REVISION = "1b1b1b1d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";

/** How long the operator may take to shut down cleanly before it is killed (its API server may be gone). */
const STOP_GRACE_MS = 10_000;

/** SIGTERM, and SIGKILL if the operator has not exited within `graceMs`: teardown never waits on a dead API. */
async function stopWithin(operator: OperatorProcess, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), graceMs)));
  try {
    if ((await Promise.race([operator.stop(), late])) === "late") await operator.kill();
  } finally {
    clearTimeout(timer);
  }
}

/** Everything a run measures against: the control plane, an admin client, the operator and its receiver. */
export interface BenchEnvironment {
  readonly cluster: LocalCluster;
  readonly admin: KubeClient;
  /** Where the ConfigMaps, the release and its Rollback tasks live. */
  readonly namespace: string;
  readonly operator: OperatorProcess;
  readonly receiver: ReceiverClient;
}

/**
 * Starts a local control plane with the CRDs, RBAC and policies installed as `make test` does, the operator as
 * its own process serving `POST /alertmanager` over HTTPS, and a release deployed to an Argo CD Application
 * through the real promotion flow (the Argo CD side played by the test driver), declaring the benchmark's alert.
 * Whatever it starts is registered with `cleanup`; `keepLogs` is asked at teardown.
 */
export async function startBenchEnvironment(
  cleanup: Cleanup,
  keepLogs: () => boolean,
): Promise<BenchEnvironment> {
  const cluster = await startLocalCluster({
    installCrdsFrom: ["crds", "config/rbac", "config/policy", "hack/manifests"].map((d) =>
      path.join(repo, d),
    ),
  });
  cleanup.defer("stop the local control plane", () => cluster.stop({ keepLogs: keepLogs() }));
  const admin = await KubeClient.connect(cluster.kubeconfigs.admin);
  cleanup.defer("close the admin client", () => admin.close());
  const namespace = "bench";
  await admin.create(builtin.namespace, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: namespace },
  });
  await createDeliveryTarget(admin, namespace);

  const tls = await createWebhookTls();
  cleanup.defer("remove the serving certificate", () => (keepLogs() ? undefined : tls.remove()));
  const certDir = await writeOperatorCertDir(tls, path.join(tls.dir, "operator"));
  const token = randomBytes(16).toString("hex");
  const tokenFile = path.join(tls.dir, "alertmanager-tokens");
  await writeFile(tokenFile, `${token}\n`);
  const operator = startOperator(cluster.kubeconfigs.operator ?? "", [
    `--namespace=${namespace}`,
    "--leader-elect=false",
    "--events-bind-address=127.0.0.1:0",
    `--webhook-cert-dir=${certDir}`,
    `--alertmanager-token-file=${tokenFile}`,
  ]);
  cleanup.defer("stop the operator", async () => {
    await stopWithin(operator, STOP_GRACE_MS);
    if (keepLogs()) console.error(`Kept the operator's log in ${operator.logFile}`);
    else await rm(path.dirname(operator.logFile), { recursive: true, force: true });
  });
  const port = Number((await operator.waitForLog("Serving event receivers")).eventsPort);
  await operator.waitForLog("Started workers", { controller: "release" });
  await deployRelease(admin, namespace);

  const receiver = new ReceiverClient(port, tls.caPem, token);
  cleanup.defer("close the receiver client", () => receiver.close());
  return { cluster, admin, namespace, operator, receiver };
}

/** The Environment and the Argo CD Application the release is delivered to. */
async function createDeliveryTarget(admin: KubeClient, namespace: string): Promise<void> {
  await admin.create(resources.environment, {
    apiVersion: API_VERSION,
    kind: "Environment",
    metadata: { name: ENVIRONMENT },
    spec: {},
  });
  await admin.create(
    APP,
    {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Application",
      metadata: { name: APPLICATION },
      spec: {
        project: "default",
        source: { repoURL: "https://git.example.com/shop.git", path: "deploy", targetRevision: "HEAD" },
        destination: { server: "https://kubernetes.default.svc", namespace: "shop" },
      },
    },
    namespace,
  );
}

/** Creates the release, lets the operator request the sync, completes it as Argo CD, waits until Verified. */
async function deployRelease(admin: KubeClient, namespace: string): Promise<void> {
  const { alertname: _alertname, severity: _severity, ...matchLabels } = benchAlertLabels(namespace);
  await admin.create(
    resources.release,
    {
      apiVersion: API_VERSION,
      kind: "Release",
      metadata: { name: RELEASE, namespace },
      spec: {
        version: "1.4.0",
        source: { repoURL: "https://git.example.com/shop.git", revision: REVISION, commits: [] },
        pipeline: [ENVIRONMENT],
        targets: [
          {
            environment: ENVIRONMENT,
            argoCD: { name: APPLICATION, namespace, revision: REVISION },
            alertSelector: { matchLabels },
          },
        ],
        owners: { releaseManager: { name: "dave" }, rollbackOwner: { kind: "User", name: "olga" } },
      },
    },
    namespace,
  );
  await waitFor(`the operator to request a sync of ${APPLICATION}`, async () => {
    const app = await admin.get(APP, APPLICATION, namespace);
    const op = app.operation as { sync?: { revision?: string } } | undefined;
    return op?.sync?.revision === REVISION ? app : undefined;
  });
  await argoSyncs(admin, { name: APPLICATION, namespace }, { revision: REVISION });
  await waitFor(
    `release ${RELEASE} to be Verified in ${ENVIRONMENT}`,
    async () => {
      const release = await admin.get(resources.release, RELEASE, namespace);
      const envs = (release.status as { environments?: { name: string; state: string }[] } | undefined)
        ?.environments;
      return envs?.find((e) => e.name === ENVIRONMENT)?.state === "Verified" ? release : undefined;
    },
    { timeoutMs: 60_000 },
  );
}
