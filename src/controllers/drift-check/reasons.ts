/**
 * The words the drift check writes: its field manager, the annotation recording what it last reported on a
 * task, and the reasons of that annotation and of its events, in one place so docs and tests use the same ones.
 */

/**
 * The field manager of the drift check's writes to DeploymentTasks. Not `stagegate-operator`: that manager
 * created the checklist items, and an apply under it naming only a few fields would remove all the others.
 */
export const DRIFT_CHECK_FIELD_MANAGER = "stagegate-drift-check";

/** Who signs the checklist items, the audit entries and the evidence the drift check writes. */
export const DRIFT_CHECK_ACTOR = "stagegate-operator";

/**
 * The annotation on a ConfigDrift task holding the drift check's last verdict (`InSync` or a wait reason), so a
 * person sees why the task is still open and each change of verdict is announced exactly once, across restarts.
 */
export const DRIFT_CHECK_ANNOTATION = "stagegate.io/drift-check";

/** The checklist items of a ConfigDrift task (see release/checklists.ts) the drift check completes. */
export const DRIFT_ITEMS = ["drift-checked", "drift-resolved"] as const;

/** How long a drifted target waits before it is looked at again: someone may resync it. */
export const DRIFT_RECHECK_MS = 30_000;

/** The verdicts of one look at a target: in sync, or why the task must wait. */
export const DriftReason = {
  /** The target exists, is synced, nothing is in flight and nothing failed: the check passed. */
  InSync: "InSync",
  /** The delivery object named by the target does not exist. */
  TargetNotFound: "TargetNotFound",
  /** The tool's last sync or reconciliation failed for good (Argo CD Failed/Error, Flux Stalled). */
  DeliveryFailed: "DeliveryFailed",
  /** A sync or reconciliation is still running, or the tool has not looked at the latest spec yet. */
  Progressing: "Progressing",
  /** The live state differs from the declared one. */
  OutOfSync: "OutOfSync",
} as const;
export type DriftReason = (typeof DriftReason)[keyof typeof DriftReason];

/** The reasons a wait can have: every verdict but InSync. */
export type DriftWaitReason = Exclude<DriftReason, "InSync">;

/** The reason of the event and audit action announcing a passed check. */
export const DRIFT_CHECKED = "DriftChecked";
