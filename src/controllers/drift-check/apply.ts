import type { CallOptions, KubeClient } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { applyToTask } from "../task-apply.js";
import type { ItemCompletion } from "./decide.js";
import { DRIFT_CHECK_ANNOTATION, DRIFT_CHECK_FIELD_MANAGER } from "./reasons.js";

/**
 * The drift check's writes to a DeploymentTask: server-side applies under its own field manager with the
 * resourceVersion precondition (see {@link applyToTask}).
 *
 * Every apply names all the fields the drift check still means to own, because an apply removes the fields
 * its manager owned and no longer names: after a person resets completed drift items to Pending, the next apply
 * (a wait) therefore takes the drift check's old evidence off them, which no longer describes the target.
 */

/** Records the drift check's verdict (a wait reason) in the task's annotation. */
export async function recordVerdict(
  client: KubeClient,
  task: KubeObject,
  verdict: string,
  opts: CallOptions,
): Promise<KubeObject> {
  return applyToTask(
    client,
    task,
    { fieldManager: DRIFT_CHECK_FIELD_MANAGER, annotations: { [DRIFT_CHECK_ANNOTATION]: verdict } },
    opts,
  );
}

/**
 * Marks the drift items Done with their evidence and records the InSync verdict; forced, and only ever from
 * Pending (see {@link applyToTask}).
 */
export async function completeItems(
  client: KubeClient,
  task: KubeObject,
  verdict: string,
  items: readonly ItemCompletion[],
  opts: CallOptions,
): Promise<KubeObject> {
  return applyToTask(
    client,
    task,
    { fieldManager: DRIFT_CHECK_FIELD_MANAGER, annotations: { [DRIFT_CHECK_ANNOTATION]: verdict }, items },
    opts,
  );
}
