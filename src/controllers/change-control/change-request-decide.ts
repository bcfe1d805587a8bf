import type { ChangeRequestStatus } from "../../api/v1alpha1/change-request.js";
import type { AuditEvent } from "../../audit/recorder.js";
import { findCondition, setCondition } from "../../runtime/conditions.js";
import { parseTimestamp } from "../../runtime/duration.js";
import type { EventSpec } from "../../runtime/events.js";
import { closeChange, followEmergency, mirrorOutcome } from "./change-request-follow.js";
import type { ApprovalPlan, ChangeRequestDecisionInput, Pass, Verdict } from "./change-request-pass.js";
import { changeRequestedEvent } from "./change-requested.js";
import { openRound } from "./change-request-round.js";
import { ChangeCondition, ChangeReason, POLICY } from "./reasons.js";
import type { ReviewTaskPlan } from "./review-task.js";

export type { ChangeRequestDecisionInput } from "./change-request-pass.js";

/** What the reconciler does for one ChangeRequest: children to apply, audit entries, status, events, requeue. */
export interface ChangeRequestDecision {
  status: ChangeRequestStatus;
  /** The Approval to open, when a round opened in this pass. */
  openApproval?: ApprovalPlan;
  /** The review task to apply, when it is missing or its due time moved. */
  reviewTask?: ReviewTaskPlan;
  /** Audit entries for what changed, in order; recorded before the status that makes them true is written. */
  audit: AuditEvent[];
  events: EventSpec[];
  /** Exactly the time until the next instant something happens on its own (a revisit, an emergency lapse). */
  requeueAfterMs?: number;
}

/** The steps of a pass, in order; each may stop the pass. */
const STEPS: readonly ((pass: Pass) => void)[] = [openRound, mirrorOutcome, followEmergency, closeChange];

/** The reasons that mean a person must create or fix something before the change can move. */
const BLOCKING = new Set<string>([
  ChangeReason.EnvironmentNotFound,
  ChangeReason.ReleaseNotFound,
  ChangeReason.RequesterUnknown,
  ChangeReason.NoEligibleApprovers,
  ChangeReason.TooManyExclusions,
  ChangeReason.ApprovalMissing,
]);

/**
 * Decides a ChangeRequest's next state from its inputs and the clock: open a round (or approve by policy),
 * mirror the round's outcome, follow up an approved emergency (review task, lapse), and close. Each step acts
 * only on a transition the stored status does not show yet, so each transition yields its audit entries once
 * (the trail mirrors them as Events); a Warning event announces a reason that needs a person. A closed change is returned unchanged: nothing is
 * written to it again. Pure and deterministic.
 */
export function decideChangeRequest(input: ChangeRequestDecisionInput, now: Date): ChangeRequestDecision {
  const previous = input.status;
  if (previous?.closedAt !== undefined) return { status: previous, audit: [], events: [] };
  const { conditions: _conditions, ...stored } = previous ?? {};
  const pass: Pass = { input, now, status: stored, stopped: false, audit: [], events: [] };
  // The request is on record once the API server stored it: from the stored object, in every pass until the
  // operator's first status write (then the store already holds it; ADR 0031).
  if (previous?.observedGeneration === undefined) pass.audit.push(changeRequestedEvent(input));
  for (const step of STEPS) {
    if (pass.stopped) break;
    step(pass);
  }

  const observedGeneration = input.metadata.generation;
  const approved = pass.approved ?? keptApproved(previous, pass.status);
  const before = findCondition(previous?.conditions, ChangeCondition.Approved);
  if (BLOCKING.has(approved.reason) && before?.reason !== approved.reason) {
    pass.events.push({ type: "Warning", reason: approved.reason, message: approved.message });
  }
  let conditions = setCondition(
    previous?.conditions,
    { type: ChangeCondition.Approved, ...approved, observedGeneration },
    now,
  );
  conditions = setCondition(
    conditions,
    { type: ChangeCondition.Closed, ...(pass.closed ?? closedVerdict(pass.status)), observedGeneration },
    now,
  );
  const status: ChangeRequestStatus = {
    ...pass.status,
    ...(observedGeneration === undefined ? {} : { observedGeneration }),
    conditions,
  };
  const requeueAfterMs = nextInstant(pass, now);
  return {
    status,
    ...(pass.openApproval === undefined ? {} : { openApproval: pass.openApproval }),
    ...(pass.reviewTask === undefined ? {} : { reviewTask: pass.reviewTask }),
    audit: pass.audit,
    events: pass.events,
    ...(requeueAfterMs === undefined ? {} : { requeueAfterMs }),
  };
}

/**
 * The `Approved` condition when no step decided it in this pass: the stored one while the resolution it
 * explains still stands (its message was written at the transition and stays true), else one read from the
 * status alone.
 */
function keptApproved(previous: ChangeRequestStatus | undefined, status: ChangeRequestStatus): Verdict {
  const stored = findCondition(previous?.conditions, ChangeCondition.Approved);
  const resolution = status.resolution;
  const expected =
    resolution === undefined
      ? ChangeReason.AwaitingDecision
      : resolution === "Approved" && status.resolvedBy === POLICY
        ? ChangeReason.PreApproved
        : resolution;
  if (stored !== undefined && stored.reason === expected) {
    return { status: stored.status, reason: expected, message: stored.message };
  }
  if (resolution === undefined) {
    return { status: "Unknown", reason: expected, message: "The change is waiting for a decision." };
  }
  const by = `by ${status.resolvedBy ?? "unknown"} at ${status.resolvedAt ?? "an unknown time"}`;
  const state = resolution === "Approved" ? "True" : resolution === "Deferred" ? "Unknown" : "False";
  return { status: state, reason: expected, message: `The change was ${resolution.toLowerCase()} ${by}.` };
}

/** The `Closed` condition read from the status: closed and why, waiting to be used, or open. */
function closedVerdict(status: ChangeRequestStatus): Verdict {
  if (status.closedAt !== undefined) {
    const used = status.resolution === "Approved";
    const why = used
      ? `approved and used at ${status.usedAt ?? ""}`
      : (status.resolution ?? "").toLowerCase();
    return {
      status: "True",
      reason: used ? ChangeReason.Used : (status.resolution ?? ChangeReason.Open),
      message: `The change closed at ${status.closedAt}, ${why}; it is kept until ${status.retainUntil ?? ""}.`,
    };
  }
  if (status.resolution === "Approved") {
    return {
      status: "False",
      reason: ChangeReason.AwaitingUse,
      message: "The change is approved and closes once it is carried out (status.usedAt).",
    };
  }
  return { status: "False", reason: ChangeReason.Open, message: "The change is open until it is decided." };
}

/** Milliseconds until the next instant the change moves on its own: a deferred round, or an emergency lapse. */
function nextInstant(pass: Pass, now: Date): number | undefined {
  const { status } = pass;
  if (status.closedAt !== undefined || pass.stopped) return undefined;
  let at: string | undefined;
  if (status.resolution === "Deferred") at = status.revisitAt;
  else if (
    status.resolution === "Approved" &&
    pass.input.spec.type === "Emergency" &&
    status.usedAt === undefined
  ) {
    at = pass.input.spec.emergency?.expiresAt;
  }
  const instant = at === undefined ? undefined : parseTimestamp(at);
  if (instant === undefined) return undefined;
  return Math.max(instant.getTime() - now.getTime(), 1);
}
