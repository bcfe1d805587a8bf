import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { createEnvironment } from "../../tests/support/controller-world.js";
import { createArgoApplication } from "../../tests/support/delivery-objects.js";
import { argoSyncs } from "../../tests/support/gitops-driver.js";
import type { TestScope } from "../../tests/support/kube.js";
import type { OperatorProcess } from "../../tests/support/operator-process.js";
import { startReceiverOperator } from "../../tests/support/receiver-operator.js";
import { createRelease, syncRequested, waitForEnvState } from "../../tests/support/release-world.js";
import { PROJECT_MANIFEST_DIRS, startLocalCluster, type LocalCluster } from "../local-cluster/index.js";
import type { Cleanup } from "./cleanup.js";
import { benchAlertLabels, ReceiverClient } from "./receiver-client.js";

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
  extraApiserverFlags: readonly string[] = [],
): Promise<BenchEnvironment> {
  const cluster = await startLocalCluster({
    installCrdsFrom: [...PROJECT_MANIFEST_DIRS],
    extraApiserverFlags,
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
  const scope = { admin, namespace };
  // The environment owns the Applications of the namespace: a release may deliver only through those.
  await createEnvironment({ admin, namespace }, ENVIRONMENT, {});
  await createArgoApplication(scope, APPLICATION);

  const token = randomBytes(16).toString("hex");
  const started = await startReceiverOperator({
    kubeconfig: cluster.kubeconfigs.operator ?? "",
    namespace,
    tokens: { alertmanager: [token] },
    readyController: "release",
  });
  const { process: operator, tls } = started;
  cleanup.defer("remove the serving certificate", () => (keepLogs() ? undefined : tls.remove()));
  cleanup.defer("stop the operator", async () => {
    await stopWithin(operator, STOP_GRACE_MS);
    if (keepLogs()) console.error(`Kept the operator's log in ${operator.logFile}`);
    else await rm(path.dirname(operator.logFile), { recursive: true, force: true });
  });
  await deployRelease(scope);

  const receiver = new ReceiverClient(started.endpoint.port, tls.caPem, token);
  cleanup.defer("close the receiver client", () => receiver.close());
  return { cluster, admin, namespace, operator, receiver };
}

/** Creates the release, lets the operator request the sync, completes it as Argo CD, waits until Verified. */
async function deployRelease(scope: TestScope): Promise<void> {
  const { admin, namespace } = scope;
  const { alertname: _alertname, severity: _severity, ...matchLabels } = benchAlertLabels(namespace);
  await createRelease(scope, RELEASE, {
    version: "1.4.0",
    revision: REVISION,
    pipeline: [ENVIRONMENT],
    targets: [
      {
        environment: ENVIRONMENT,
        argoCD: { name: APPLICATION, namespace, revision: REVISION },
        alertSelector: { matchLabels },
      },
    ],
    owners: { releaseManager: { name: "dave" }, rollbackOwner: { kind: "User", name: "olga" } },
  });
  await syncRequested(scope, APPLICATION, REVISION);
  await argoSyncs(admin, { name: APPLICATION, namespace }, { revision: REVISION });
  await waitForEnvState(scope, RELEASE, ENVIRONMENT, "Verified", 60_000);
}
