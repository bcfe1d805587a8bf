import { randomBytes } from "node:crypto";
import { resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { ArrivalWatch } from "./arrival-watch.js";
import { firingNotification, type ReceiverClient } from "./receiver-client.js";
import { runTimed, timesToWatch, type TimedRun, type WriteTimings } from "./timed-runs.js";

/** The start every benchmark alert shares: the fingerprint alone makes each one a new Rollback task. */
const STARTS_AT = "2026-11-26T08:00:00Z";

const fingerprint = (): string => randomBytes(8).toString("hex");

/** The fingerprint a DeploymentTask carries as evidence, the key the watch notes arrivals by. */
function alertFingerprint(task: KubeObject): string | undefined {
  return (task.spec as { alert?: { fingerprint?: string } } | undefined)?.alert?.fingerprint;
}

/**
 * Delivers `count` distinct firing alerts (`concurrency` in flight), each of which must open a new Rollback task,
 * timing each answer and the time from the start of the POST to the task's ADDED event on a DeploymentTask watch
 * opened before the series.
 */
export async function timeAlertDeliveries(
  receiver: ReceiverClient,
  admin: KubeClient,
  namespace: string,
  { count, concurrency }: { count: number; concurrency: number },
): Promise<WriteTimings> {
  const fingerprints = Array.from({ length: count }, fingerprint);
  const watch = await ArrivalWatch.start(admin, resources.deploymentTask, namespace, alertFingerprint);
  try {
    const run = await runTimed(count, concurrency, (i) =>
      receiver.expect(firingNotification(namespace, fingerprints[i] ?? "", STARTS_AT), "opened"),
    );
    return { run, toWatch: await timesToWatch(run, watch, fingerprints) };
  } finally {
    await watch.close();
  }
}

/**
 * Delivers one alert once (opening its task, untimed), then the very same notification `count` times in a row,
 * as Alertmanager's retries and HA peers do; times each answer, which must be `duplicate`.
 */
export async function timeDuplicateDeliveries(
  receiver: ReceiverClient,
  namespace: string,
  count: number,
): Promise<TimedRun> {
  const body = firingNotification(namespace, fingerprint(), STARTS_AT);
  await receiver.expect(body, "opened");
  return runTimed(count, 1, () => receiver.expect(body, "duplicate"));
}
