import type { Resolution } from "../../api/v1alpha1/change-request.js";
import { findCondition } from "../../runtime/conditions.js";
import { formatTimestamp, parseDuration, parseTimestamp } from "../../runtime/duration.js";
import { countDecisions } from "./outcome.js";
import { describeOutcome } from "./outcome-wording.js";
import { audit, block, holdForEnvironment, type Pass } from "./change-request-pass.js";
import { awaitingMessage } from "./change-request-round.js";
import { resolvingOutcome } from "./resolving-outcome.js";
import { ApprovalCondition, ChangeReason, OPERATOR, reviewTaskName } from "./reasons.js";
import { DEFAULT_REVIEW_DUE_AFTER, decideReviewTask } from "./review-task.js";

const ACTIONS = {
  Approved: "ChangeApproved",
  Rejected: "ChangeRejected",
  Deferred: "ChangeDeferred",
  Expired: "ChangeExpired",
} as const satisfies Record<Resolution, string>;

/**
 * Resolves the change from the outcome of the open round's Approval, stamping `resolvedBy` and `resolvedAt` from
 * the outcome's `decidedBy` and `decidedAt`; a deferral also takes the earliest revisitAt. The outcome is the one
 * the Approval controller wrote, or, before that write, the one it is deciding from the same stored decisions
 * ({@link resolvingOutcome}, ADR 0038), so the resolution does not wait for the Approval's status write. While the
 * Approval is pending the `Approved` condition repeats its progress. A missing Approval blocks.
 */
export function mirrorOutcome(pass: Pass): void {
  const { status, input } = pass;
  const ref = status.approvalRef;
  if (ref === undefined || status.resolution !== undefined || pass.openApproval?.name === ref.name) return;
  const round = status.round ?? 1;
  const approval = input.approval?.name === ref.name ? input.approval : undefined;
  if (approval === undefined) {
    return block(
      pass,
      ChangeReason.ApprovalMissing,
      `Approval ${ref.name} of round ${round} does not exist, so its decisions are lost; delete this ` +
        "ChangeRequest and create it again to start over.",
    );
  }
  const timeout = input.environment?.gate.approvalTimeout;
  const resolving = resolvingOutcome(approval, input, timeout, pass.now);
  const settled = resolving.status;
  const outcome = settled?.outcome ?? "Pending";
  const expiresAt = parseTimestamp(settled?.expiresAt ?? "");
  const count = countDecisions(approval.spec, expiresAt, pass.now);
  const decided = findCondition(settled?.conditions, ApprovalCondition.Decided)?.message;
  const explained =
    decided ??
    (outcome === "Pending"
      ? "waiting for decisions."
      : describeOutcome({ ...count, outcome }, approval.spec, settled?.expiresAt));
  const progress = `Approval ${ref.name} (round ${round}): ${explained}`;
  if (outcome === "Pending") {
    const message = awaitingMessage(status, progress);
    pass.approved = { status: "Unknown", reason: ChangeReason.AwaitingDecision, message };
    return;
  }
  const resolvedBy = settled?.decidedBy ?? OPERATOR;
  const resolvedAt = settled?.decidedAt ?? formatTimestamp(pass.now);
  const revisitAt =
    outcome === "Deferred" ? (count.revisitAt ?? earliestRevisit(approval.spec) ?? resolvedAt) : undefined;
  pass.status = {
    ...status,
    resolution: outcome,
    resolvedBy,
    resolvedAt,
    ...(revisitAt === undefined ? {} : { revisitAt }),
  };
  const next = revisitAt === undefined ? "" : ` Round ${round + 1} opens at ${revisitAt}.`;
  const message = `${progress}${next}`;
  pass.approved = {
    status: outcome === "Approved" ? "True" : outcome === "Deferred" ? "Unknown" : "False",
    reason: outcome,
    message,
  };
  // Decisions go on record before the resolution that counts them (ADR 0031, 0038).
  pass.audit.push(...resolving.decisions);
  audit(pass, ACTIONS[outcome], message, {
    approval: ref.name,
    round,
    resolvedBy,
    resolvedAt,
    approvers: count.approvers,
    ...(count.comment === undefined ? {} : { comment: count.comment }),
    ...(revisitAt === undefined ? {} : { revisitAt }),
    ...(outcome === "Expired" ? { expiresAt: settled?.expiresAt } : {}),
  });
}

/**
 * For an approved Emergency change: expires it when it is still unused at `spec.emergency.expiresAt`, and
 * otherwise plans its post-implementation review task (`<cr>-review`) whenever the task is missing or its due
 * time moved (after approval until the change is used, then after `usedAt`), auditing the first opening.
 */
export function followEmergency(pass: Pass): void {
  const { input, now } = pass;
  const status = pass.status;
  if (input.spec.type !== "Emergency" || status.resolution !== "Approved") return;
  const environment = input.environment;
  if (environment === undefined) return holdForEnvironment(pass);
  const lapse = input.spec.emergency?.expiresAt;
  const lapsed = lapse !== undefined && (parseTimestamp(lapse)?.getTime() ?? 0) <= now.getTime();
  if (status.usedAt === undefined && lapsed) {
    pass.status = { ...status, resolution: "Expired", resolvedBy: OPERATOR, resolvedAt: lapse };
    const message = `The approved emergency change was not used before spec.emergency.expiresAt ${lapse}.`;
    pass.approved = { status: "False", reason: ChangeReason.Expired, message };
    audit(pass, "ChangeExpired", message, { rule: "EmergencyUnused", emergencyExpiresAt: lapse });
    return;
  }
  const plan = decideReviewTask({
    changeRequest: input.metadata.name,
    spec: input.spec,
    resolvedAt: status.resolvedAt ?? formatTimestamp(now),
    usedAt: status.usedAt,
    reviewDueAfter: environment.gate.emergency?.reviewDueAfter ?? DEFAULT_REVIEW_DUE_AFTER,
  });
  if (input.reviewTask?.dueAt !== plan.spec.dueAt) pass.reviewTask = plan;
  if (status.reviewTaskRef === undefined) {
    pass.status = { ...status, reviewTaskRef: { name: plan.name } };
    const owners = plan.spec.owners.map((o) => `${o.kind.toLowerCase()} ${o.name}`).join(", ");
    audit(
      pass,
      "ReviewTaskOpened",
      `Opened the post-implementation review ${plan.name}, owned by ${owners}, due at ${plan.spec.dueAt}.`,
      { owners: plan.spec.owners, dueAt: plan.spec.dueAt },
      {
        object: {
          kind: "DeploymentTask",
          namespace: input.metadata.namespace,
          name: reviewTaskName(input.metadata.name),
        },
      },
    );
  }
}

/**
 * Closes the change when it is over: Rejected or Expired at once, Approved once it was used. `closedAt` and
 * `retainUntil` (closedAt plus the Environment's `gate.retention`) are set together and audited.
 */
export function closeChange(pass: Pass): void {
  const { status, now } = pass;
  if (status.closedAt !== undefined) return;
  const over =
    status.resolution === "Rejected" ||
    status.resolution === "Expired" ||
    (status.resolution === "Approved" && status.usedAt !== undefined);
  if (!over) return;
  const environment = pass.input.environment;
  if (environment === undefined) return holdForEnvironment(pass);
  const closedAt = formatTimestamp(now);
  const retainUntil = formatTimestamp(new Date(now.getTime() + parseDuration(environment.gate.retention)));
  pass.status = { ...status, closedAt, retainUntil };
  const how =
    status.resolution === "Approved" ? "approved and used" : (status.resolution ?? "").toLowerCase();
  audit(pass, "ChangeClosed", `Closed the change (${how}); it is kept until ${retainUntil}.`, {
    resolution: status.resolution,
    closedAt,
    retainUntil,
  });
}

/** The earliest revisitAt of any Defer decision, for an Approval whose recount disagrees with its outcome. */
function earliestRevisit(spec: {
  decisions: Record<string, { revisitAt?: string | undefined }>;
}): string | undefined {
  return Object.values(spec.decisions)
    .flatMap((d) => (d.revisitAt === undefined ? [] : [d.revisitAt]))
    .sort((a, b) => (parseTimestamp(a)?.getTime() ?? 0) - (parseTimestamp(b)?.getTime() ?? 0))[0];
}
