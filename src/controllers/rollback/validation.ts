import { taskObject, taskTransition } from "./decision-parts.js";
import type { AlertEvidence, TaskPhase } from "../../api/v1alpha1/deployment-task.js";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import type { AuditEvent } from "../../audit/recorder.js";
import { revisionsMatch } from "../../gitops/revision.js";
import { formatTimestamp } from "../../runtime/duration.js";
import type { EventSpec } from "../../runtime/events.js";
import { describeTarget, targetIdentity } from "../drift-check/evidence.js";
import type { TargetClaim } from "../release/target-claims.js";
import type { ItemCompletion, RollbackDelivery } from "./decide.js";
import type { RollbackFamilyTaskView } from "./decision-types.js";
import {
  ROLLBACK_ACTOR,
  ROLLBACK_RECHECK_MS,
  VALIDATED_ITEM,
  ValidationReason,
  type ValidationWaitReason,
} from "./reasons.js";
import { describeCause, sentenceOf } from "./wording.js";

/** What one look at a RollbackValidation task needs. */
export interface ValidationInput {
  /** `recorded` is the verdict in the `stagegate.io/rollback-validation` annotation. */
  task: RollbackFamilyTaskView;
  /** The Rollback task validated; undefined when it is gone. */
  rollback?: { name: string; phase?: TaskPhase | undefined; alert?: AlertEvidence | undefined } | undefined;
  release?: string | undefined;
  target?: ReleaseTarget | undefined;
  /** The revision the rollback returned to; undefined when Stagegate knows of none. */
  previous?: TargetClaim | undefined;
  /** The revision of the rolled-back release, which the target must no longer run. */
  rolledBackRevision?: string | undefined;
  /** The target assessed against the previous revision (any revision when it is unknown). */
  delivery?: RollbackDelivery | undefined;
}

/** Complete the validation item, wait (saying why once), or leave the task to people. */
export type ValidationDecision =
  | { kind: "Skip"; reason: string; message: string }
  | {
      kind: "Complete";
      item: ItemCompletion;
      annotation: typeof ValidationReason.Validated;
      audit: AuditEvent;
      event: EventSpec;
    }
  | {
      kind: "Wait";
      reason: ValidationWaitReason;
      message: string;
      requeueAfterMs: number;
      /** Absent when the task already records this reason, so a long wait writes nothing. */
      annotation?: ValidationWaitReason;
      event?: EventSpec;
    };

const skip = (reason: string, message: string): ValidationDecision => ({ kind: "Skip", reason, message });

/**
 * Decides one look at a RollbackValidation task; pure. The validation passes only when the target is Deployed
 * (in sync, healthy, nothing in flight) on the previous revision and, for a rollback opened by an alert, the
 * alert was reported resolved. Until then the task stays open and the reason is recorded (and announced) only
 * when it changes. A task a person has taken over (the item is not Pending) is left alone.
 */
export function decideValidation(input: ValidationInput, now: Date): ValidationDecision {
  const { task } = input;
  if (task.spec.type !== "RollbackValidation") return skip("NotRollbackValidation", "Not a validation task.");
  if (task.spec.cancelled) return skip("Cancelled", "The task is cancelled.");
  if (task.phase !== undefined && task.phase !== "Ready")
    return skip("Finished", `The task is ${task.phase}.`);
  const item = task.spec.checklist.find((i) => i.name === VALIDATED_ITEM);
  if (item === undefined) return skip("NoValidationItem", `The checklist has no item ${VALIDATED_ITEM}.`);
  if (item.state !== "Pending") return skip("HandledByPerson", `Item ${VALIDATED_ITEM} is ${item.state}.`);
  const rollback = input.rollback;
  if (rollback === undefined)
    return skip("RollbackNotFound", "The Rollback task it validates does not exist.");
  if (rollback.phase !== "Succeeded")
    return skip("RollbackOpen", `Rollback task ${rollback.name} has not succeeded.`);
  const target = input.target;
  if (target === undefined || input.delivery === undefined) {
    return skip("NoTarget", "The release has no target to look at for this environment: a person validates.");
  }
  const object = describeTarget(target);
  const delivery = input.delivery;
  const wanted = input.previous?.revision;
  const stillRolledBack =
    wanted === undefined && revisionsMatch(delivery.revision, input.rolledBackRevision ?? undefined);
  if (delivery.state !== "Deployed" || stillRolledBack) {
    const on = wanted === undefined ? "a revision other than the rolled-back one" : `revision ${wanted}`;
    return wait(
      input,
      ValidationReason.TargetNotHealthy,
      `${object} is not yet in sync and healthy on ${on}: ${sentenceOf(delivery.message)}`,
    );
  }
  const alert = rollback.alert;
  if (alert !== undefined && alert.resolvedAt === undefined) {
    return wait(
      input,
      ValidationReason.AlertFiring,
      `${object} is healthy on the previous revision, but ${describeCause(alert)} has not resolved yet.`,
    );
  }
  const at = formatTimestamp(now);
  const running = wanted ?? delivery.revision ?? "its current revision";
  const notes =
    `${object} is in sync and healthy on revision ${running} at ${at}` +
    (alert === undefined ? "." : `, and ${describeCause(alert)} resolved at ${alert.resolvedAt}.`);
  return {
    kind: "Complete",
    item: {
      name: VALIDATED_ITEM,
      state: "Done",
      completedBy: ROLLBACK_ACTOR,
      evidence: { result: "Passed", notes },
    },
    annotation: ValidationReason.Validated,
    audit: {
      actor: ROLLBACK_ACTOR,
      action: "RollbackValidated",
      object: taskObject(task),
      // One validation per generation the item is Pending in: a crash or a conflict before the item is written
      // meets the same one again; a person setting the item back to Pending makes another.
      ...taskTransition(task, "RollbackValidated", VALIDATED_ITEM, `g${task.generation ?? 0}`),
      details: {
        rollbackTask: rollback.name,
        ...(input.release === undefined ? {} : { release: input.release }),
        ...(task.spec.environment === undefined ? {} : { environment: task.spec.environment }),
        target: { ...targetIdentity(target) },
        revision: running,
        healthyAt: at,
        ...(alert === undefined
          ? {}
          : { alert: { name: alert.name, fingerprint: alert.fingerprint, resolvedAt: alert.resolvedAt } }),
      },
    },
    event: {
      type: "Normal",
      reason: ValidationReason.Validated,
      message: `Marked ${VALIDATED_ITEM} Done: ${notes}`,
    },
  };
}

function wait(input: ValidationInput, reason: ValidationWaitReason, message: string): ValidationDecision {
  const changed = input.task.recorded !== reason;
  const full = `${message} The validation stays open and is looked at again when the target or the alert changes.`;
  return {
    kind: "Wait",
    reason,
    message: full,
    requeueAfterMs: ROLLBACK_RECHECK_MS,
    ...(changed ? { annotation: reason, event: { type: "Normal", reason, message: full } } : {}),
  };
}
