import type { DeploymentTaskSpec, DeploymentTaskStatus } from "../../api/v1alpha1/deployment-task.js";
import type { ReleaseSpec } from "../../api/v1alpha1/release.js";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import { findCondition } from "../../runtime/conditions.js";
import { deriveTaskPhase } from "../deployment-task/phase.js";
import { TaskCondition } from "../deployment-task/reasons.js";
import { DRIFT_ITEMS } from "./reasons.js";

/** The task as the eligibility check reads it: its generation, spec and the DeploymentTask controller's status. */
export interface DriftTaskView {
  metadata: { name: string; generation?: number | undefined };
  spec: DeploymentTaskSpec;
  status?: DeploymentTaskStatus | undefined;
}

/** What a task is checked against: the Release it points at, when it exists and its spec reads. */
export interface DriftCheckInput {
  task: DriftTaskView;
  /** The Release named by `spec.releaseRef`; undefined when there is none or it does not exist. */
  release?: { spec: ReleaseSpec } | undefined;
}

/** Why a task is left alone: it is not a drift check's to do, or not now. */
export type DriftSkipReason =
  | "NotConfigDrift"
  | "Cancelled"
  | "NoRelease"
  | "Finished"
  | "Blocked"
  | "StatusPending"
  | "NoDriftItems"
  | "HandledByPerson"
  | "ReleaseNotFound"
  | "NoTarget";

/** Look at the target and complete `items` if it is in sync; or leave the task alone, and why. */
export type DriftCheckPlan =
  | { kind: "Check"; release: string; environment: string; target: ReleaseTarget; items: string[] }
  | { kind: "Skip"; reason: DriftSkipReason; message: string };

const skip = (reason: DriftSkipReason, message: string): DriftCheckPlan => ({
  kind: "Skip",
  reason,
  message,
});

/**
 * Decides whether a task is one the drift check may complete now, and against which target; pure. Only an open,
 * workable ConfigDrift task of a release and environment qualifies, and only while every drift item it has is
 * still Pending: an item a person marked Done, Failed or Skipped means the person has taken the check over.
 * A task whose status has not caught up with its spec waits for the DeploymentTask controller (whose write
 * wakes the task again), so a blocked task is never completed on the strength of a stale status.
 */
export function planDriftCheck(input: DriftCheckInput): DriftCheckPlan {
  const { metadata, spec, status } = input.task;
  if (spec.type !== "ConfigDrift") return skip("NotConfigDrift", "The task is not a ConfigDrift check.");
  if (spec.cancelled) return skip("Cancelled", "The task is cancelled.");
  const release = spec.releaseRef?.name;
  const environment = spec.environment;
  if (release === undefined || environment === undefined) {
    return skip("NoRelease", "The task names no release and environment: a person checks it.");
  }
  const phase = deriveTaskPhase(status?.conditions);
  if (phase !== "Ready" && phase !== "Blocked") return skip("Finished", `The task is ${phase}.`);
  if (
    status?.observedGeneration === undefined ||
    status.observedGeneration !== metadata.generation ||
    findCondition(status.conditions, TaskCondition.Blocked) === undefined
  ) {
    return skip("StatusPending", "The task's status has not caught up with its spec yet.");
  }
  if (phase === "Blocked") return skip("Blocked", "The task waits for its dependencies.");
  const items = spec.checklist.filter((item) => (DRIFT_ITEMS as readonly string[]).includes(item.name));
  if (items.length === 0) {
    return skip("NoDriftItems", `The checklist has none of the items ${DRIFT_ITEMS.join(" and ")}.`);
  }
  const handled = items.filter((item) => item.state !== "Pending");
  if (handled.length > 0) {
    const which = handled.map((item) => `${item.name} is ${item.state}`).join(", ");
    return skip("HandledByPerson", `A person has taken the check over (${which}).`);
  }
  if (input.release === undefined) {
    return skip("ReleaseNotFound", `Release ${release} does not exist: a person checks the task.`);
  }
  const target = input.release.spec.targets.find((t) => t.environment === environment);
  if (target === undefined) {
    return skip("NoTarget", `Release ${release} has no target for ${environment}: a person checks the task.`);
  }
  return { kind: "Check", release, environment, target, items: items.map((item) => item.name) };
}
