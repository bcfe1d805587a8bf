import type { ApprovalSpec, ApprovalStatus } from "../../api/v1alpha1/approval.js";
import type { ChangeType } from "../../api/v1alpha1/change-request.js";
import { setCondition } from "../../runtime/conditions.js";
import {
  formatTimestamp,
  InvalidDurationError,
  parseDuration,
  parseTimestamp,
} from "../../runtime/duration.js";
import { transitionDigest, transitionId, type AuditEvent } from "../../audit/recorder.js";
import { countDecisions } from "./outcome.js";
import { describeOutcome } from "./outcome-wording.js";
import { ApprovalCondition, ChangeReason } from "./reasons.js";

/** Everything the decision about one Approval needs, gathered from the cache by the reconciler. */
export interface ApprovalDecisionInput {
  metadata: {
    name: string;
    namespace?: string | undefined;
    uid?: string | undefined;
    generation?: number | undefined;
    creationTimestamp?: string | undefined;
  };
  spec: ApprovalSpec;
  status?: ApprovalStatus | undefined;
  /** The ChangeRequest the Approval decides; undefined when it is gone. */
  changeRequest?:
    { type: ChangeType; emergencyExpiresAt?: string; closedAt?: string; retainUntil?: string } | undefined;
  /** The `gate.approvalTimeout` of the change's Environment; undefined when the Environment is missing. */
  approvalTimeout?: string | undefined;
}

/**
 * The complete desired status of an Approval and when to look again. No Event: the outcome is one fact with the
 * change's resolution, which the ChangeRequest's audit entry announces (`ChangeApproved`, `ChangeRejected`,
 * `ChangeDeferred`, `ChangeExpired`; ADR 0033, 0038), and each decision is announced by its `DecisionRecorded`.
 */
export interface ApprovalDecision {
  status: ApprovalStatus;
  /** Exactly the time left until the Approval expires, while it is pending; absent otherwise. */
  requeueAfterMs?: number;
  /** `DecisionRecorded` for each stored decision, while the spec has changes the status has not observed. */
  audit: AuditEvent[];
}

/**
 * One `DecisionRecorded` per decision the API server stored, by its approver (the key, which admission lets only
 * that user write) at its stamped `decidedAt`: derived from the stored spec, so a decision the API server refused
 * after admission is never on record as made, and one recorded before a crash is not recorded twice (ADR 0031).
 */
function decisionAudit(input: ApprovalDecisionInput): AuditEvent[] {
  const { metadata, spec } = input;
  const { uid } = metadata;
  return Object.entries(spec.decisions).map(([user, entry]) => ({
    actor: user,
    action: "DecisionRecorded" as const,
    object: {
      kind: "Approval",
      name: metadata.name,
      ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }),
      ...(uid === undefined ? {} : { uid }),
    },
    details: {
      decision: entry.decision,
      comment: entry.comment ?? null,
      decidedAt: entry.decidedAt,
      ...(entry.revisitAt === undefined ? {} : { revisitAt: entry.revisitAt }),
      changeRequest: spec.changeRequestRef.name,
    },
    ...(uid === undefined
      ? {}
      : {
          transition: transitionId(
            "Approval",
            uid,
            "DecisionRecorded",
            transitionDigest([user, entry.decision, entry.decidedAt, entry.comment ?? null]),
          ),
        }),
  }));
}

/**
 * Decides an Approval's status. `expiresAt` is stamped once: the Approval's creation plus the Environment's
 * `approvalTimeout`, or the change's `emergency.expiresAt` when that is earlier. The outcome is counted by
 * {@link countDecisions} until it settles; once settled it is kept (with `decidedBy`, `decidedAt` and the
 * `Decided` condition) whatever decisions arrive later. `closedAt` and `retainUntil` mirror the ChangeRequest's once it closes.
 * While pending, `requeueAfterMs` is exactly the time until `expiresAt`, so expiry needs no polling. Pure.
 */
export function decideApproval(input: ApprovalDecisionInput, now: Date): ApprovalDecision {
  const { metadata, spec, status: previous } = input;
  const observedGeneration = metadata.generation;
  const expiresAt = previous?.expiresAt ?? resolveExpiry(input);
  const closedAt = input.changeRequest?.closedAt ?? previous?.closedAt;
  const retainUntil = input.changeRequest?.retainUntil ?? previous?.retainUntil;
  const base: ApprovalStatus = {
    ...(observedGeneration === undefined ? {} : { observedGeneration }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(closedAt === undefined ? {} : { closedAt }),
    ...(retainUntil === undefined ? {} : { retainUntil }),
  };
  const audit = previous?.observedGeneration === observedGeneration ? [] : decisionAudit(input);
  const settled = previous?.outcome !== undefined && previous.outcome !== "Pending";
  if (settled) {
    const { outcome, approvals, decidedBy, decidedAt, conditions } = previous;
    return { status: { ...base, conditions, outcome, approvals, decidedBy, decidedAt }, audit };
  }

  const expiry = expiresAt === undefined ? undefined : parseTimestamp(expiresAt);
  const verdict = countDecisions(spec, expiry, now);
  const described = describeOutcome(verdict, spec, expiresAt);
  const pending = verdict.outcome === "Pending";
  const conditions = setCondition(
    previous?.conditions,
    {
      type: ApprovalCondition.Decided,
      status: pending ? "Unknown" : "True",
      reason: pending ? ChangeReason.AwaitingDecision : verdict.outcome,
      message: described,
      observedGeneration,
    },
    now,
  );
  const status: ApprovalStatus = {
    ...base,
    conditions,
    outcome: verdict.outcome,
    approvals: verdict.approvals,
    ...(verdict.decidedBy === undefined ? {} : { decidedBy: verdict.decidedBy }),
    ...(verdict.decidedAt === undefined ? {} : { decidedAt: verdict.decidedAt }),
  };
  const left = pending && expiry !== undefined ? expiry.getTime() - now.getTime() : undefined;
  return left === undefined ? { status, audit } : { status, audit, requeueAfterMs: Math.max(left, 1) };
}

/**
 * When an Approval lapses: its creation plus the Environment's `approvalTimeout`, or the emergency change's
 * own `expiresAt` when earlier. Undefined while the creation time or the Environment is unknown.
 */
export function resolveExpiry(input: ApprovalDecisionInput): string | undefined {
  const created = parseTimestamp(input.metadata.creationTimestamp ?? "");
  if (created === undefined || input.approvalTimeout === undefined) return undefined;
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(input.approvalTimeout);
  } catch (err) {
    if (!(err instanceof InvalidDurationError)) throw err;
    return undefined;
  }
  const timeout = created.getTime() + timeoutMs;
  const emergency = parseTimestamp(input.changeRequest?.emergencyExpiresAt ?? "")?.getTime();
  const at =
    input.changeRequest?.type === "Emergency" && emergency !== undefined
      ? Math.min(timeout, emergency)
      : timeout;
  return formatTimestamp(new Date(at));
}
