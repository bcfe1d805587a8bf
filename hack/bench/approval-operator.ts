// The operator of the approval benchmark: compiled JavaScript (as the image runs it) with its real flags, its
// admission webhooks served over TLS and registered with the benchmark's own API server (the approver's decision
// goes through the real stamping and validation), and the admission guard on, as tests/support/e2e-operator.ts
// starts it for the end-to-end tests, but on a control plane the benchmark started itself.
import path from "node:path";
import { findFreePort } from "../local-cluster/free-port.js";
import type { LocalCluster } from "../local-cluster/index.js";
import { createWebhookTls, writeOperatorCertDir } from "../local-cluster/webhook-tls.js";
import { registerLocalWebhooks } from "../local-cluster/webhooks.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { startOperator, type OperatorProcess } from "../../tests/support/operator-process.js";
import type { Cleanup } from "./cleanup.js";

/** How long the operator may take to stop cleanly before it is killed. */
const STOP_GRACE_MS = 15_000;

/** Configurations are named `<NAME>-...` on the benchmark's cluster. */
const NAME = "bench-approval";

/**
 * Starts `stagegate run` from dist/ as the operator identity, watching every namespace, with its webhooks
 * registered for every namespace of the cluster, and waits until its release controller's workers started. Every
 * step is registered with `cleanup`; `keepLogs` is asked at teardown.
 */
export async function startApprovalOperator(
  cluster: LocalCluster,
  admin: KubeClient,
  cleanup: Cleanup,
  keepLogs: () => boolean,
  auditLog: string,
): Promise<OperatorProcess> {
  const tls = await createWebhookTls();
  cleanup.defer("remove the webhook certificates", () => (keepLogs() ? undefined : tls.remove()));
  const certDir = await writeOperatorCertDir(tls, path.join(tls.dir, "operator"));
  const port = await findFreePort();
  const operator = startOperator(
    cluster.kubeconfigs.operator ?? "",
    [
      "--log-level=info",
      `--audit-log=${auditLog}`,
      `--webhook-bind-address=127.0.0.1:${port}`,
      `--webhook-cert-dir=${certDir}`,
      `--webhook-client-ca-file=${cluster.webhookClientCaFile}`,
      "--admission-guard=true",
      `--webhook-url=https://127.0.0.1:${port}`,
      `--mutating-webhook-configuration=${NAME}-stagegate-mutating-webhooks`,
      `--validating-webhook-configuration=${NAME}-stagegate-validating-webhooks`,
    ],
    { entry: "compiled" },
  );
  cleanup.defer("stop the operator", async () => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), STOP_GRACE_MS)));
    try {
      if ((await Promise.race([operator.stop(), late])) === "late") await operator.kill();
    } finally {
      clearTimeout(timer);
    }
    if (keepLogs()) console.error(`Kept the operator's log in ${operator.logFile}`);
  });
  const serving = await operator.waitForLog("Serving admission webhooks", {}, 60_000);
  const webhooks = await registerLocalWebhooks(admin, {
    name: NAME,
    baseUrl: `https://127.0.0.1:${Number(serving.webhookPort)}`,
    caBundle: tls.caBundle,
  });
  cleanup.defer("unregister the webhooks", () => webhooks.unregister());
  await operator.waitForLog("Started workers", { controller: "release" }, 120_000);
  // The guard's first check runs before the webhooks above are registered, so it finds them missing and every gate
  // stays shut until its next check (--admission-guard-interval, 10 s). An approval timed before then measures
  // that wait and the held promotion's extra status write, not the approval path: runs 5 and 7 (docs/benchmarks.md).
  await operator.waitForLog("Found the admission controls intact", {}, 120_000);
  return operator;
}
