/**
 * The words the rollback controller writes: its field manager, the annotations recording what it last did or
 * announced on a task, and the reasons of those annotations and of its events, in one place so the docs and the
 * tests use the same ones.
 */

/**
 * The field manager of the rollback controller's server-side applies to DeploymentTasks. Not
 * `stagegate-operator`: that manager created the checklist items, and an apply under it naming only a few
 * fields would remove all the others.
 */
export const ROLLBACK_FIELD_MANAGER = "stagegate-rollback";

/** Who signs the checklist items, log entries, audit entries and evidence the rollback controller writes. */
export const ROLLBACK_ACTOR = "stagegate-operator";

/**
 * The annotation on a Rollback task holding the rollback controller's last recorded step (a RollbackReason), so
 * each step is announced, logged and audited once, across restarts.
 */
export const ROLLBACK_ANNOTATION = "stagegate.io/rollback";

/**
 * The release rollback policy (its mode) last reported on a Rollback task as not applying to it, because the task
 * was opened under a stricter one: the report is made once per policy.
 */
export const POLICY_NOTED_ANNOTATION = "stagegate.io/rollback-policy-noted";

/** When the automatic rollback asked the delivery tool for the previous revision; the progress deadline counts from here. */
export const ROLLBACK_STARTED_ANNOTATION = "stagegate.io/rollback-started-at";

/** The annotation on a RollbackValidation task holding its last verdict (Validated or a wait reason). */
export const VALIDATION_ANNOTATION = "stagegate.io/rollback-validation";

/** The annotation on a RollbackValidation task naming the Rollback task it validates. */
export const ROLLBACK_TASK_ANNOTATION = "stagegate.io/rollback-task";

/** The checklist item of a Rollback task (see release/checklists.ts). */
export const ROLLED_BACK_ITEM = "rolled-back";

/** The checklist item of a RollbackValidation task (see release/checklists.ts). */
export const VALIDATED_ITEM = "rollback-validated";

/** How long a rollback or a validation that waits (for a lock, a delivery, a resolution) looks again. */
export const ROLLBACK_RECHECK_MS = 15_000;

/** How soon a pass is repeated after another writer changed a target between our read and our write. */
export const LOCK_RETRY_MS = 1_000;

/** The steps of a rollback the controller records on the Rollback task, and the reasons of its events. */
export const RollbackReason = {
  /** The release's rollback policy is Disabled: nothing is reverted, the environment stays held. */
  RollbackHeld: "RollbackHeld",
  /** The policy is Manual: the rollback owner was told what to roll back to. */
  ManualRollbackRequested: "ManualRollbackRequested",
  /** Automatic, but no other release was Verified on the target before: left to the rollback owner. */
  NoPreviousRevision: "NoPreviousRevision",
  /** The release has no target for the task's environment: nothing to roll back automatically. */
  NoTarget: "NoTarget",
  /** Another release's promotion holds the target's lock: the rollback waits for it. */
  LockHeld: "LockHeld",
  /** The previous revision was requested from the delivery tool under the rollback lock. */
  RollbackStarted: "RollbackStarted",
  /** The target runs the previous revision: the rollback is done. */
  RollbackCompleted: "RollbackCompleted",
  /** The delivery of the previous revision failed. */
  RollbackFailed: "RollbackFailed",
  /** The task is not proven to come from the operator or the rollback owner: reported, never acted on. */
  RollbackTaskRefused: "RollbackTaskRefused",
  /**
   * The rollback owner's own task, whose creator stamp cannot be believed while the admission controls are not
   * intact: it waits (nothing is rolled back or held) and is acted on once they are.
   */
  AdmissionControlsNotIntact: "AdmissionControlsNotIntact",
  /** The task was opened under a stricter policy than the release's now: it is acted on under that one. */
  PolicyChangedAfterOpening: "PolicyChangedAfterOpening",
  /** The rollback passed a release freeze and opened an emergency ChangeRequest for review. */
  BreakGlassRollback: "BreakGlassRollback",
} as const;
export type RollbackReason = (typeof RollbackReason)[keyof typeof RollbackReason];

/** The verdicts of one look at a rolled-back target for its RollbackValidation task. */
export const ValidationReason = {
  /** Healthy on the previous revision and the alert resolved: the validation passed. */
  Validated: "RollbackValidated",
  /** The target is not (yet) Deployed, in sync and healthy on the previous revision. */
  TargetNotHealthy: "TargetNotHealthy",
  /** The alert that opened the rollback has not been reported resolved yet. */
  AlertFiring: "AlertFiring",
} as const;
export type ValidationReason = (typeof ValidationReason)[keyof typeof ValidationReason];
export type ValidationWaitReason = Exclude<ValidationReason, "RollbackValidated">;
