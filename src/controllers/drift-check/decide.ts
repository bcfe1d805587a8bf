import type { Evidence } from "../../api/v1alpha1/deployment-task.js";
import { transitionId, type AuditEvent } from "../../audit/recorder.js";
import type { DeliveryObservation } from "../../gitops/delivery.js";
import { formatTimestamp } from "../../runtime/duration.js";
import type { EventSpec } from "../../runtime/events.js";
import type { DriftCheckPlan } from "./eligibility.js";
import { describeTarget, evidenceNotes, targetIdentity } from "./evidence.js";
import {
  DRIFT_CHECK_ACTOR,
  DRIFT_CHECKED,
  DRIFT_RECHECK_MS,
  DriftReason,
  type DriftWaitReason,
} from "./reasons.js";

/** A task the eligibility check sent to be checked. */
export type DriftCheck = Extract<DriftCheckPlan, { kind: "Check" }>;

/** The fields of one checklist item the drift check sets when the target is in sync. */
export interface ItemCompletion {
  name: string;
  state: "Done";
  completedBy: string;
  evidence: Evidence;
}

/** What the drift check concluded from one look at the target: complete the items, or wait and look again. */
export type DriftDecision =
  | {
      kind: "Complete";
      items: ItemCompletion[];
      /** The annotation value to record: InSync. */
      annotation: typeof DriftReason.InSync;
      audit: AuditEvent;
      event: EventSpec;
    }
  | {
      kind: "Wait";
      reason: DriftWaitReason;
      message: string;
      requeueAfterMs: number;
      /** The annotation value to record; absent when the task already records this reason. */
      annotation?: DriftWaitReason;
      /** Announces the new reason; absent when the task already records it, so a wait stays quiet. */
      event?: EventSpec;
    };

/** The task the decision is about, for the audit entry. */
export interface DriftTaskRef {
  namespace: string;
  name: string;
  uid?: string | undefined;
  /** The task's `metadata.generation`: a check again after a person reset the items is another fact. */
  generation?: number | undefined;
}

/**
 * Whether the target is in sync at check time, or the first reason it is not: missing, then failed (a failed
 * sync usually also leaves it out of sync, and the failure says more), then still progressing, then out of
 * sync. Health is not drift: a synced target whose workload is unhealthy has no drift to report.
 */
export function assessSync(observation: DeliveryObservation): { reason: DriftReason; message: string } {
  if (!observation.exists) return { reason: DriftReason.TargetNotFound, message: observation.message };
  if (observation.failure !== undefined) {
    return { reason: DriftReason.DeliveryFailed, message: observation.failure.message };
  }
  if (observation.progressing) return { reason: DriftReason.Progressing, message: observation.message };
  if (!observation.synced) return { reason: DriftReason.OutOfSync, message: observation.message };
  return { reason: DriftReason.InSync, message: observation.message };
}

/**
 * Decides what one look at a checked task's target means; pure. In sync: every Pending drift item becomes
 * Done, signed by the operator, with the observation as evidence, audited and announced. Otherwise the items
 * are left alone and the task is looked at again after `recheckAfterMs`; the reason is recorded and announced
 * only when it differs from `recorded` (the reason the task carries), so a long wait writes nothing.
 */
export function decideDriftCheck(
  check: DriftCheck,
  task: DriftTaskRef,
  observation: DeliveryObservation,
  recorded: string | undefined,
  recheckAfterMs: number = DRIFT_RECHECK_MS,
): DriftDecision {
  const verdict = assessSync(observation);
  const target = describeTarget(check.target);
  if (verdict.reason === DriftReason.InSync) {
    const notes = evidenceNotes(check.target, observation);
    const evidence: Evidence = { result: "Passed", notes };
    return {
      kind: "Complete",
      items: check.items.map((name) => ({ name, state: "Done", completedBy: DRIFT_CHECK_ACTOR, evidence })),
      annotation: DriftReason.InSync,
      audit: {
        actor: DRIFT_CHECK_ACTOR,
        action: DRIFT_CHECKED,
        object: { kind: "DeploymentTask", namespace: task.namespace, name: task.name, uid: task.uid },
        // One check per spec the items are Pending in (a person setting them back to Pending makes another
        // generation) and set of items: the pass after a crash or a conflict before the items were written checks
        // the same items of the same generation again, under the same transition (ADR 0031).
        ...(task.uid === undefined
          ? {}
          : {
              transition: transitionId(
                "DeploymentTask",
                task.uid,
                DRIFT_CHECKED,
                `g${task.generation ?? 0}`,
                ...check.items,
              ),
            }),
        details: {
          release: check.release,
          environment: check.environment,
          target: { ...targetIdentity(check.target) },
          ...(observation.revision === undefined ? {} : { revision: observation.revision }),
          synced: true,
          observedAt: formatTimestamp(observation.observedAt),
          items: [...check.items],
        },
      },
      event: {
        type: "Normal",
        reason: DRIFT_CHECKED,
        message: `Marked ${check.items.join(" and ")} Done: ${notes}`,
      },
    };
  }
  const reason = verdict.reason;
  const message = waitMessage(reason, target, verdict.message, recheckAfterMs);
  const changed = recorded !== reason;
  return {
    kind: "Wait",
    reason,
    message,
    requeueAfterMs: recheckAfterMs,
    ...(changed
      ? {
          annotation: reason,
          event: { type: reason === DriftReason.Progressing ? "Normal" : "Warning", reason, message },
        }
      : {}),
  };
}

const WAIT_OPENING: Record<DriftWaitReason, (target: string) => string> = {
  TargetNotFound: (target) => `${target} was not found`,
  DeliveryFailed: (target) => `${target} failed to deliver`,
  Progressing: (target) => `${target} is still syncing`,
  OutOfSync: (target) => `${target} is out of sync with its declared configuration`,
};

function waitMessage(
  reason: DriftWaitReason,
  target: string,
  detail: string,
  recheckAfterMs: number,
): string {
  const said = detail.trim().replace(/\.?$/, ".");
  return (
    `${WAIT_OPENING[reason](target)}: ${said} The drift check looks again every ` +
    `${seconds(recheckAfterMs)} and leaves the checklist to a person until the target is in sync.`
  );
}

/** `30s`, `1.5s`, `500ms`: a recheck interval as a person reads it. */
function seconds(ms: number): string {
  return ms < 1_000 ? `${ms}ms` : `${Math.round(ms / 100) / 10}s`;
}
