import type { KubeObject } from "../runtime/kube/object.js";

/**
 * Why an existing task with an alert's Rollback task name was not opened for that alert, or undefined when it
 * was: a task that is not a Rollback task, is not controlled by the matched Release (by UID), or records
 * another fingerprint. A name says where to look, never that the thing found is the right one: a task made in
 * advance under the name an alert will use must not swallow the alert as a "duplicate". Pure.
 */
export function foreignRollbackTask(
  task: { metadata: KubeObject["metadata"]; spec?: unknown },
  releaseUid: string | undefined,
  fingerprint: string,
): string | undefined {
  const spec = task.spec as { type?: unknown; alert?: { fingerprint?: unknown } } | undefined;
  if (spec?.type !== "Rollback") return `it is a ${String(spec?.type)} task, not a Rollback task`;
  const controller = task.metadata.ownerReferences?.find((ref) => ref.controller === true);
  if (controller?.kind !== "Release" || releaseUid === undefined || controller.uid !== releaseUid) {
    return "it is not controlled by the matched Release";
  }
  const recorded = spec.alert?.fingerprint;
  if (typeof recorded !== "string" || recorded.toLowerCase() !== fingerprint.toLowerCase()) {
    return `it records fingerprint ${typeof recorded === "string" ? recorded : "none"}, not ${fingerprint}`;
  }
  return undefined;
}
