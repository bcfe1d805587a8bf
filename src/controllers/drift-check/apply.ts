import { API_VERSION } from "../../api/v1alpha1/group.js";
import type { CallOptions, KubeClient } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { resources } from "../resources.js";
import type { ItemCompletion } from "./decide.js";
import { DRIFT_CHECK_ANNOTATION, DRIFT_CHECK_FIELD_MANAGER } from "./reasons.js";

/**
 * The drift check's writes to a DeploymentTask: server-side applies under its own field manager that carry the
 * resourceVersion the decision was made from, so a decision from a stale copy fails with a conflict (409)
 * instead of landing on a task a person changed meanwhile, and an apply can never create a deleted task.
 *
 * Every apply names all the fields the drift check still means to own, because an apply removes the fields
 * its manager owned and no longer names: after a person resets completed drift items to Pending, the next apply
 * (a wait) therefore takes the drift check's old evidence off them, which no longer describes the target.
 */

function taskMetadata(task: KubeObject, verdict: string): Record<string, unknown> {
  return {
    name: task.metadata.name,
    namespace: task.metadata.namespace,
    resourceVersion: task.metadata.resourceVersion,
    annotations: { [DRIFT_CHECK_ANNOTATION]: verdict },
  };
}

/** Records the drift check's verdict (a wait reason) in the task's annotation. */
export async function recordVerdict(
  client: KubeClient,
  task: KubeObject,
  verdict: string,
  opts: CallOptions,
): Promise<KubeObject> {
  return client.apply(
    resources.deploymentTask,
    { apiVersion: API_VERSION, kind: "DeploymentTask", metadata: taskMetadata(task, verdict) },
    { fieldManager: DRIFT_CHECK_FIELD_MANAGER, ...opts },
  );
}

/**
 * Marks the drift items Done with their evidence and records the InSync verdict. `spec.checklist` is a list-map
 * keyed by name, so only the named items' state, completedBy and evidence are touched. Forced because a person
 * who set an item back to Pending (to have it checked again) owns its `state`; the force takes over exactly
 * these fields of exactly these items, and only ever from Pending: the resourceVersion guarantees the items
 * were Pending when decided, so it never overrides what a person decided.
 */
export async function completeItems(
  client: KubeClient,
  task: KubeObject,
  verdict: string,
  items: readonly ItemCompletion[],
  opts: CallOptions,
): Promise<KubeObject> {
  return client.apply(
    resources.deploymentTask,
    {
      apiVersion: API_VERSION,
      kind: "DeploymentTask",
      metadata: taskMetadata(task, verdict),
      spec: { checklist: items.map((item) => ({ ...item, evidence: { ...item.evidence } })) },
    },
    { fieldManager: DRIFT_CHECK_FIELD_MANAGER, force: true, ...opts },
  );
}
