import { replaced, taskObject, taskTransition } from "./decision-parts.js";
import { formatTimestamp } from "../../runtime/duration.js";
import { nothing } from "./decision-parts.js";
import type { DecisionContext, RollbackDecision, RollbackInput } from "./decision-types.js";
import { ROLLBACK_ACTOR, ROLLBACK_RECHECK_MS, RollbackReason } from "./reasons.js";
import type { RollbackMode } from "./seal.js";

/**
 * A Rollback task nobody may act on (see `rollbackEvidence`): reported once (a log entry and the step on the task,
 * a Warning event, a `RollbackTaskRefused` audit entry), never rolled back, never held, never through a freeze. A
 * rollback lock it still holds is freed (its evidence was lost, for example when the Release was re-created).
 */
export function refused(
  input: RollbackInput,
  reason: string,
  now: Date,
  holdsLock: boolean,
): RollbackDecision {
  const { task } = input;
  const message =
    `Refused Rollback task ${task.name}: ${reason}. Nothing was rolled back and the environment is not held; ` +
    "if the release must be rolled back, its rollback owner does it, or lets an alert open the task.";
  const free = holdsLock ? { freeLock: true } : {};
  if (task.recorded === RollbackReason.RollbackTaskRefused) {
    return {
      ...nothing(holdsLock ? "Settle" : "Skip", RollbackReason.RollbackTaskRefused, message),
      ...free,
    };
  }
  const at = formatTimestamp(now);
  return {
    kind: "Notify",
    reason: RollbackReason.RollbackTaskRefused,
    message,
    record: {
      annotation: RollbackReason.RollbackTaskRefused,
      log: { time: at, author: ROLLBACK_ACTOR, kind: "Comment", message },
    },
    ...free,
    audit: [
      {
        actor: ROLLBACK_ACTOR,
        action: "RollbackTaskRefused",
        object: taskObject(task),
        ...taskTransition(task, "RollbackTaskRefused", replaced(task.recorded)),
        details: {
          ...(task.spec.releaseRef?.name === undefined ? {} : { release: task.spec.releaseRef.name }),
          ...(task.spec.environment === undefined ? {} : { environment: task.spec.environment }),
          reason,
        },
      },
    ],
    events: [{ type: "Warning", reason: RollbackReason.RollbackTaskRefused, message }],
  };
}

/**
 * The rollback owner's own task while the admission controls are not intact (its creator stamp is the server's word
 * only while the server calls the webhooks): nothing is rolled back or held yet; people are told once (the step on
 * the task with a log entry, a Warning event) and the task is looked at again until the controls are back. Not a
 * refusal: the task is acted on then. A rollback lock it holds stays (the rollback is paused, not undone).
 */
export function awaitingAdmission(input: RollbackInput, reason: string, now: Date): RollbackDecision {
  const { task } = input;
  const message = `Rollback task ${task.name} waits: ${reason}.`;
  const reasonName = RollbackReason.AdmissionControlsNotIntact;
  const base = { ...nothing("Wait", reasonName, message), requeueAfterMs: ROLLBACK_RECHECK_MS };
  if (task.recorded === reasonName) return base;
  const at = formatTimestamp(now);
  return {
    ...base,
    record: { annotation: reasonName, log: { time: at, author: ROLLBACK_ACTOR, kind: "Comment", message } },
    events: [{ type: "Warning", reason: reasonName, message }],
  };
}

/**
 * Says on a decision that the task is acted on under the stricter policy it was opened under, not the release's
 * policy now (a policy switched to Automatic after the alert rolls nothing back), and reports it once per policy:
 * a Warning event, a `RollbackPolicyChangeIgnored` audit entry and the policy noted on the task.
 */
export function underOpeningPolicy(
  decision: RollbackDecision,
  ctx: Pick<DecisionContext, "input" | "release" | "environment" | "now">,
  opened: RollbackMode,
  now: RollbackMode,
): RollbackDecision {
  const note =
    ` The release's rollback policy is ${now} now but was ${opened} when this task was opened: a policy change ` +
    `is not an alert, so the task is handled as ${opened}.`;
  const noted: RollbackDecision = {
    ...decision,
    message: decision.message + note,
    events: decision.events.map((e) => ({ ...e, message: e.message + note })),
    ...(decision.record?.log === undefined
      ? {}
      : {
          record: {
            ...decision.record,
            log: { ...decision.record.log, message: decision.record.log.message + note },
          },
        }),
    audit: decision.audit.map((a) => ({ ...a, details: { ...a.details, currentPolicy: now } })),
  };
  const { task } = ctx.input;
  if (task.policyNoted === now) return noted;
  const message = `Rollback task ${task.name}:${note}`;
  const step = decision.record?.annotation ?? (task.recorded as RollbackReason | undefined);
  if (step === undefined) return noted;
  return {
    ...noted,
    kind: noted.kind === "Skip" ? "Notify" : noted.kind,
    record: {
      ...noted.record,
      annotation: step,
      policyNoted: now,
      log: noted.record?.log ?? {
        time: formatTimestamp(ctx.now),
        author: ROLLBACK_ACTOR,
        kind: "Comment",
        message,
      },
    },
    audit: [
      ...noted.audit,
      {
        actor: ROLLBACK_ACTOR,
        action: "RollbackPolicyChangeIgnored",
        object: taskObject(task),
        ...taskTransition(task, "RollbackPolicyChangeIgnored", now, replaced(task.policyNoted)),
        details: {
          release: ctx.release.name,
          environment: ctx.environment,
          openedUnder: opened,
          policy: now,
        },
      },
    ],
    events: [...noted.events, { type: "Warning", reason: RollbackReason.PolicyChangedAfterOpening, message }],
  };
}
