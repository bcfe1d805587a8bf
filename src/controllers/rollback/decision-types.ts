import type { DeploymentTaskSpec, TaskLogEntry, TaskPhase } from "../../api/v1alpha1/deployment-task.js";
import type { EnvironmentSpec } from "../../api/v1alpha1/environment.js";
import type { ReleaseSpec, ReleaseStatus } from "../../api/v1alpha1/release.js";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import type { AuditEvent } from "../../audit/recorder.js";
import type { EventSpec } from "../../runtime/events.js";
import type { z } from "zod";
import type { TargetClaim } from "../release/target-claims.js";
import type { ConcludedItem } from "../task-apply.js";
import type { BreakGlassChange } from "./break-glass.js";
import type { RollbackEvidence } from "./evidence.js";
import type { RollbackMode } from "./seal.js";
import type { RollbackReason } from "./reasons.js";
import type { ValidationTaskPlan } from "./validation-task.js";

/** A Rollback or RollbackValidation task as its decision reads it. */
export interface RollbackFamilyTaskView {
  namespace: string;
  name: string;
  uid?: string | undefined;
  /** `metadata.generation`: tells a conclusion after a person reset an item from the one before. */
  generation?: number | undefined;
  spec: DeploymentTaskSpec;
  /** The phase derived from the DeploymentTask controller's conditions; undefined before its first status. */
  phase?: TaskPhase | undefined;
  /** What the controller last recorded in the task's annotation (a step, or a verdict). */
  recorded?: string | undefined;
}

/** A Rollback task as the decision reads it; `recorded` is the step in the `stagegate.io/rollback` annotation. */
export interface RollbackTaskView extends RollbackFamilyTaskView {
  /** When the automatic rollback was requested (`stagegate.io/rollback-started-at`). */
  startedAt?: string | undefined;
  /** The release policy last reported as not applying to this task (`stagegate.io/rollback-policy-noted`). */
  policyNoted?: string | undefined;
}

/** What the delivery tool reports about the target, assessed against the previous revision. */
export interface RollbackDelivery {
  state: "Deploying" | "Deployed" | "Failed" | "Missing";
  message: string;
  /** The revision the target runs now, as the tool reports it. */
  revision?: string | undefined;
}

/** Everything the decision needs, gathered by the reconciler. */
export interface RollbackInput {
  task: RollbackTaskView;
  /** Whether the task may be acted on, and on whose word (see `rollbackEvidence`). */
  evidence: RollbackEvidence;
  release?: { name: string; uid?: string | undefined; spec: ReleaseSpec; status?: ReleaseStatus | undefined };
  /** The task's Environment; undefined when it does not exist (no freeze can then be known). */
  environment?: EnvironmentSpec | undefined;
  /** The last Verified revision before the release (see `previousRevision`). */
  previous?: TargetClaim | undefined;
  /** The `stagegate.io/locked-by` annotation on the delivery object. */
  lockHolder?: string | undefined;
  /**
   * Whether that holder is real (a release promoting there, or another proven, open rollback): only a real holder
   * is waited for; a forged one is taken over. Undefined (unknown) counts as real.
   */
  lockHolderReal?: boolean | undefined;
  /** Read only when the target and the previous revision are known. */
  delivery?: RollbackDelivery | undefined;
  /**
   * Why the task's Environment does not own the target's delivery object (read in this pass), when it does not:
   * the operator then writes nothing to it (Environments change after a release was promoted).
   */
  targetNotOwned?: string | undefined;
}

/** The fields of the rolled-back item the controller sets when it finishes a rollback. */
export type ItemCompletion = ConcludedItem;

/** A task log entry as the controller writes it. */
export type LogEntry = z.input<typeof TaskLogEntry>;

/**
 * What to do about one Rollback task, executed by the glue in this order: take the lock, promote, open the
 * break-glass change, record the audit entries (each under a transition read from the task before this step),
 * finish the item, record the step, free the lock, open the validation task; then the events. Every action is
 * idempotent, and the recorded step keeps the once-only ones once.
 */
export interface RollbackDecision {
  /** Skip (nothing to do), Notify (tell people once), Wait, Roll (in progress), Finish, Settle (after the work). */
  kind: "Skip" | "Notify" | "Wait" | "Roll" | "Finish" | "Settle";
  reason: string;
  message: string;
  /** Write the rollback lock; `from` is the holder being replaced (the rolled-back release) or undefined. */
  takeLock?: { from?: string | undefined } | undefined;
  /** Ask the delivery tool for this copy of the target (the previous revision). */
  promote?: ReleaseTarget | undefined;
  breakGlass?: BreakGlassChange | undefined;
  finish?: { item: ItemCompletion; annotation: RollbackReason } | undefined;
  /** Record a step on the task (annotation, optionally the start time and a log entry). */
  record?:
    { annotation: RollbackReason; startedAt?: string; log?: LogEntry; policyNoted?: string } | undefined;
  freeLock?: boolean | undefined;
  openValidation?: ValidationTaskPlan | undefined;
  audit: AuditEvent[];
  events: EventSpec[];
  requeueAfterMs?: number | undefined;
}

/** What the policy steps decide from: the input, the Release and the environment's target, the clock. */
export interface DecisionContext {
  input: RollbackInput;
  release: NonNullable<RollbackInput["release"]>;
  environment: string;
  target: ReleaseTarget | undefined;
  /** The policy the task is acted on under (see `effectivePolicy`), not necessarily the release's policy now. */
  policy: RollbackMode;
  now: Date;
}
