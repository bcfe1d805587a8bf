import { DRIFT_ITEMS } from "../controllers/drift-check/reasons.js";
import { MEASURED_ITEM } from "../controllers/release/checklists.js";
import type { TaskView } from "./task-view.js";

/**
 * Which checklist items Stagegate itself concludes, so that only the operator may complete them: the drift items
 * of a ConfigDrift task of a release and environment (the drift check, src/controllers/drift-check), and the
 * measured item of a PostDeployVerification task of a release whose Environment declares `verification` (the
 * verification, src/controllers/verification). Where an Environment declares no verification, a person verifies.
 */

/** Whether a task names the release and environment an automated check needs. */
function namesReleaseAndEnvironment(task: TaskView): boolean {
  return task.spec.releaseRef !== undefined && task.spec.environment !== undefined;
}

/** Whether completing `item` of `task` may depend on the task's Environment (so the caller must look it up). */
export function needsVerificationLookup(task: TaskView, item: string): boolean {
  return (
    task.spec.type === "PostDeployVerification" && item === MEASURED_ITEM && namesReleaseAndEnvironment(task)
  );
}

/**
 * Whether `item` of `task` is Stagegate's to conclude. `environmentVerifies` says whether the task's Environment
 * declares `verification`; it only matters where {@link needsVerificationLookup} is true.
 */
export function isAutomatedItem(task: TaskView, item: string, environmentVerifies: boolean): boolean {
  if (!namesReleaseAndEnvironment(task)) return false;
  if (task.spec.type === "ConfigDrift") return (DRIFT_ITEMS as readonly string[]).includes(item);
  return needsVerificationLookup(task, item) && environmentVerifies;
}

/** Which Stagegate component concludes an automated item, for the refusal message. */
export function automationOf(task: TaskView): string {
  return task.spec.type === "ConfigDrift"
    ? "the drift check (it completes the item when the target is in sync)"
    : "post-deployment verification (it measures the Environment's checks against Prometheus)";
}
