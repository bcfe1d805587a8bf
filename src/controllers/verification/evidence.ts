import type { VerificationPolicy } from "../../api/v1alpha1/verification.js";
import { transitionId, type AuditEvent, type AuditObject } from "../../audit/recorder.js";
import { formatTimestamp } from "../../runtime/duration.js";
import type { EventSpec } from "../../runtime/events.js";
import type { ConcludedItem } from "../task-apply.js";
import type { CheckSummary, VerificationFailure } from "./decide.js";
import { MEASURED_ITEM, VERIFICATION_ACTOR, VerificationReason } from "./reasons.js";
import type { VerificationSchedule } from "./schedule.js";
import { formatValue } from "./threshold.js";

/** What a conclusion is about: the task, its release and environment, the revision and the policy. */
export interface VerificationSubject {
  task: AuditObject;
  release: string;
  environment: string;
  revision: string;
  policy: VerificationPolicy;
  schedule: VerificationSchedule;
}

/** The fields of the measured item the verification sets when it concludes. */
export type ItemConclusion = ConcludedItem;

const unit = (s: CheckSummary): string => (s.unit === undefined ? "" : ` ${s.unit}`);

/** "error-rate: 4 measurements, min 0.01, max 0.03 ratio (max 0.2)" */
function summaryLine(s: CheckSummary): string {
  const count = `${s.count} measurement${s.count === 1 ? "" : "s"}`;
  return `${s.check}: ${count}, min ${formatValue(s.min)}, max ${formatValue(s.max)}${unit(s)} (${s.threshold})`;
}

/** The sentence summarising a passed verification, for the evidence and the event. */
export function passedNotes(subject: VerificationSubject, summaries: readonly CheckSummary[]): string {
  const { schedule } = subject;
  return (
    `Every measurement passed from ${formatTimestamp(schedule.instants[0] ?? schedule.windowEnd)} to ` +
    `${formatTimestamp(schedule.windowEnd)} against ${subject.policy.prometheusURL}. ` +
    `${summaries.map(summaryLine).join("; ")}.`
  );
}

/** The sentence of a failed verification, for the evidence, the event and the Rollback task. */
export function failedNotes(subject: VerificationSubject, failure: VerificationFailure): string {
  return (
    `Post-deployment verification of ${subject.release} in ${subject.environment} failed on check ` +
    `${failure.check}: ${failure.message} Measured against ${subject.policy.prometheusURL}.`
  );
}

/** The measured item Done, with the summary of every check as evidence. */
export function passedItem(subject: VerificationSubject, summaries: readonly CheckSummary[]): ItemConclusion {
  return {
    name: MEASURED_ITEM,
    state: "Done",
    completedBy: VERIFICATION_ACTOR,
    evidence: { result: "Passed", notes: passedNotes(subject, summaries) },
  };
}

/** The measured item Failed, naming the check, the value or the problem, and the threshold. */
export function failedItem(subject: VerificationSubject, failure: VerificationFailure): ItemConclusion {
  return {
    name: MEASURED_ITEM,
    state: "Failed",
    completedBy: VERIFICATION_ACTOR,
    evidence: { result: "Failed", notes: failedNotes(subject, failure) },
  };
}

function common(subject: VerificationSubject): Record<string, unknown> {
  return {
    release: subject.release,
    environment: subject.environment,
    revision: subject.revision,
    prometheusURL: subject.policy.prometheusURL,
    window: subject.policy.window,
    interval: subject.policy.interval,
    deployedAt: formatTimestamp(subject.schedule.deployedAt),
  };
}

/**
 * The transition of a verification fact (ADR 0031): the task's uid, the action, the revision and the deployment's
 * time (one verification per deployment the task verifies), then `parts`. None while the uid is unknown.
 */
function verificationTransition(
  subject: VerificationSubject,
  action: AuditEvent["action"],
  ...parts: readonly string[]
): Pick<AuditEvent, "transition"> {
  const uid = subject.task.uid;
  if (uid === undefined) return {};
  const deployedAt = formatTimestamp(subject.schedule.deployedAt);
  return { transition: transitionId("DeploymentTask", uid, action, subject.revision, deployedAt, ...parts) };
}

/** The audit entry of a passed verification, with each check's measurements summarised. */
export function passedAudit(subject: VerificationSubject, summaries: readonly CheckSummary[]): AuditEvent {
  return {
    actor: VERIFICATION_ACTOR,
    action: VerificationReason.Passed,
    object: subject.task,
    ...verificationTransition(subject, VerificationReason.Passed, MEASURED_ITEM),
    details: {
      ...common(subject),
      checks: summaries.map((s) => ({
        name: s.check,
        measurements: s.count,
        min: s.min,
        max: s.max,
        threshold: s.threshold,
        ...(s.baseline === undefined ? {} : { baseline: s.baseline }),
      })),
    },
  };
}

/** The audit entry of a failed verification: the failing check, when, why, and the Rollback task opened. */
export function failedAudit(
  subject: VerificationSubject,
  failure: VerificationFailure,
  rollbackTask: string,
): AuditEvent {
  return {
    actor: VERIFICATION_ACTOR,
    action: VerificationReason.Failed,
    object: subject.task,
    ...verificationTransition(subject, VerificationReason.Failed, MEASURED_ITEM),
    details: {
      ...common(subject),
      check: failure.check,
      measuredAt: formatTimestamp(failure.at),
      purpose: failure.purpose,
      message: failure.message,
      ...(failure.value === undefined ? {} : { value: failure.value }),
      rollbackTask,
    },
  };
}

/**
 * The audit entry of the baselines a round measured, recorded before they are logged: one per set of checks
 * whose baselines are taken at the baseline instant, so the round decided again after a crash or a conflict
 * (which measures the same checks at the same instant) names the same transition.
 */
export function baselineAudit(
  subject: VerificationSubject,
  baselines: ReadonlyMap<string, number>,
): AuditEvent {
  return {
    actor: VERIFICATION_ACTOR,
    action: VerificationReason.Measured,
    object: subject.task,
    ...verificationTransition(
      subject,
      VerificationReason.Measured,
      formatTimestamp(subject.schedule.baselineAt),
      ...[...baselines.keys()].sort(),
    ),
    details: {
      ...common(subject),
      baselineAt: formatTimestamp(subject.schedule.baselineAt),
      baselines: Object.fromEntries(baselines),
    },
  };
}

/** The Normal event of a passed verification. */
export function passedEvent(subject: VerificationSubject, summaries: readonly CheckSummary[]): EventSpec {
  return {
    type: "Normal",
    reason: VerificationReason.Passed,
    message: `Marked ${MEASURED_ITEM} Done: ${passedNotes(subject, summaries)}`,
  };
}

/** The Warning event of a failed verification, naming the Rollback task opened. */
export function failedEvent(
  subject: VerificationSubject,
  failure: VerificationFailure,
  rollbackTask: string,
): EventSpec {
  return {
    type: "Warning",
    reason: VerificationReason.Failed,
    message: `Marked ${MEASURED_ITEM} Failed: ${failedNotes(subject, failure)} Opened Rollback task ${rollbackTask}.`,
  };
}
