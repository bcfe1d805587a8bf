import { DecisionValue } from "../api/v1alpha1/approval.js";
import { countDecisions, type CountedSpec } from "../controllers/change-control/outcome.js";
import { parseTimestamp } from "../runtime/duration.js";
import type { UserInfo } from "./admission-review.js";
import type { ApprovalView, DecisionEntry } from "./admitted-objects.js";
import { touchesDecisions, type DecisionChanges } from "./decision-changes.js";
import { ALLOWED, deny, firstDenial, type Verdict } from "./verdict.js";

/** How far a stamped `decidedAt` may be from the webhook's clock before it counts as forged. */
export const DECISION_TIME_TOLERANCE_MS = 60_000;

/** Everything the UPDATE rules judge: the approval before and after, who asks, when, and what changed. */
export interface ApprovalUpdate {
  before: ApprovalView;
  after: ApprovalView;
  user: UserInfo;
  now: Date;
  changes: DecisionChanges;
}

/** The one decision an UPDATE adds; only meaningful after {@link multipleDecisions} passed. */
function addedDecision(input: ApprovalUpdate): { key: string; entry: DecisionEntry | undefined } {
  const key = input.changes.added[0] ?? "";
  return { key, entry: input.after.spec.decisions[key] };
}

const list = (items: readonly string[]): string => (items.length === 0 ? "none" : items.join(", "));

/** An Approval is opened empty by the operator; nobody may create one with decisions already in it. */
export function approvalPrefilled(approval: ApprovalView): Verdict {
  const keys = Object.keys(approval.spec.decisions).sort();
  if (keys.length === 0) return ALLOWED;
  return deny(
    "ApprovalPrefilled",
    `a new Approval must have no decisions, but this one carries decisions for ${list(keys)}; create it with ` +
      "an empty spec.decisions and let each approver add their own.",
  );
}

/** Decisions are final: an entry once written can be neither changed nor removed (the CRD's CEL agrees). */
export function decisionImmutable({ changes }: ApprovalUpdate): Verdict {
  const touched = [...changes.changed, ...changes.removed];
  if (touched.length === 0) return ALLOWED;
  return deny(
    "DecisionImmutable",
    `the decisions of ${list(touched)} are already written and can be neither changed nor removed; ` +
      "leave existing entries as they are.",
  );
}

/** A settled or closed approval takes no more decisions. */
export function approvalClosed({ before }: ApprovalUpdate): Verdict {
  const status = before.status;
  const outcome = status?.outcome ?? "Pending";
  if (status?.closedAt === undefined && outcome === "Pending") return ALLOWED;
  const closed = status?.closedAt === undefined ? "" : ` and closed at ${status.closedAt}`;
  return deny(
    "ApprovalClosed",
    `Approval ${before.metadata.name ?? ""} is already decided (outcome ${outcome}${closed}); it takes no more ` +
      "decisions.",
  );
}

/**
 * A pending Approval whose stored decisions already settle the count takes no more decisions (ADR 0038): the
 * outcome is fixed by the decisions it holds (counted as the controllers count them, with the stored expiry), even
 * before the Approval controller writes it, and the ChangeRequest controller resolves the change from that count.
 * Admission runs again on the fresh object when a concurrent write wins, so no decision is ever stored after a
 * settling one, and every reader of a settled count reads the same decisions.
 */
export function approvalSettled({ before, now }: ApprovalUpdate): Verdict {
  const counted = countedSpec(before);
  if (counted === undefined) return ALLOWED;
  const verdict = countDecisions(counted, parseTimestamp(before.status?.expiresAt ?? ""), now);
  if (verdict.outcome === "Pending") return ALLOWED;
  const by =
    verdict.decidedBy === undefined ? "" : `, settled by ${verdict.decidedBy} at ${verdict.decidedAt ?? ""}`;
  return deny(
    "ApprovalClosed",
    `Approval ${before.metadata.name ?? ""} is already decided by the decisions it holds (outcome ` +
      `${verdict.outcome}${by}); it takes no more decisions.`,
  );
}

/** The stored Approval as the count reads it; undefined when it is too malformed to count (the CRD refuses it). */
function countedSpec(approval: ApprovalView): CountedSpec | undefined {
  const required = approval.spec.required;
  if (required === undefined) return undefined;
  const decisions: CountedSpec["decisions"] = {};
  for (const [user, entry] of Object.entries(approval.spec.decisions)) {
    const decision = DecisionValue.safeParse(entry.decision);
    if (!decision.success || entry.decidedAt === undefined) continue;
    decisions[user] = {
      decision: decision.data,
      decidedAt: entry.decidedAt,
      ...(entry.comment === undefined ? {} : { comment: entry.comment }),
      ...(entry.revisitAt === undefined ? {} : { revisitAt: entry.revisitAt }),
      ...(entry.groups === undefined ? {} : { groups: entry.groups }),
    };
  }
  const { eligible, excluded, requiredGroups } = approval.spec;
  return { required, eligible, excluded, requiredGroups, decisions };
}

/** One request adds at most one decision: an approver speaks only for themselves. */
export function multipleDecisions({ changes }: ApprovalUpdate): Verdict {
  if (changes.added.length <= 1) return ALLOWED;
  return deny(
    "MultipleDecisions",
    `this request adds decisions for ${list(changes.added)}; add only your own decision, one per request.`,
  );
}

/** The key of the new decision is the requesting user's authenticated name, never someone else's. */
export function decisionKeyMismatch(input: ApprovalUpdate): Verdict {
  const { key } = addedDecision(input);
  const user = input.user.username;
  if (key === user) return ALLOWED;
  return deny(
    "DecisionKeyMismatch",
    `${user} cannot decide as ${key}: key your decision by your own user name, spec.decisions["${user}"].`,
  );
}

/** Only users listed in `spec.eligible.users`, or members of a group in `spec.eligible.groups`, may decide. */
export function notEligible({ after, user }: ApprovalUpdate): Verdict {
  const { users, groups } = after.spec.eligible;
  if (users.includes(user.username) || user.groups.some((group) => groups.includes(group))) return ALLOWED;
  return deny(
    "NotEligible",
    `${user.username} may not decide this change: eligible are the users ${list(users)} and the members of ` +
      `the groups ${list(groups)}; ask one of them.`,
  );
}

/** Separation of duties: users in `spec.excluded` (the requester, commit authors) may not decide. */
export function separationOfDuties({ after, user }: ApprovalUpdate): Verdict {
  const name = user.username.toLowerCase();
  const exclusion = after.spec.excluded.find((entry) => entry.user.toLowerCase() === name);
  if (exclusion === undefined) return ALLOWED;
  return deny(
    "SeparationOfDuties",
    `${user.username} cannot decide this change under separation of duties (${exclusion.reason}); ask another ` +
      "approver.",
  );
}

/** The new decision's `decidedAt` is the server's time, as the mutating webhook stamps it. */
export function decisionTimeForged(input: ApprovalUpdate): Verdict {
  const { key, entry } = addedDecision(input);
  const stamped = entry?.decidedAt;
  const at = stamped === undefined ? undefined : parseTimestamp(stamped);
  const now = input.now.toISOString();
  if (at !== undefined && Math.abs(at.getTime() - input.now.getTime()) <= DECISION_TIME_TOLERANCE_MS) {
    return ALLOWED;
  }
  return deny(
    "DecisionTimeForged",
    `spec.decisions["${key}"].decidedAt is ${stamped ?? "missing"}, not the server's time (${now}); the ` +
      "server stamps it, so leave decidedAt out of your change.",
  );
}

/** The new decision's `groups` are the requesting user's authenticated groups, as the mutating webhook stamps them. */
export function decisionGroupsForged(input: ApprovalUpdate): Verdict {
  const { key, entry } = addedDecision(input);
  const stamped = [...(entry?.groups ?? [])].sort();
  const actual = [...input.user.groups].sort();
  if (stamped.length === actual.length && stamped.every((group, i) => group === actual[i])) return ALLOWED;
  return deny(
    "DecisionGroupsForged",
    `spec.decisions["${key}"].groups is [${stamped.join(", ")}], not your authenticated groups ` +
      `[${actual.join(", ")}]; the server stamps them, so leave groups out of your change.`,
  );
}

/**
 * A Defer names when the change is looked at again, and that time lies ahead: a revisitAt at or before the
 * server's time would defer to a moment already gone (the CLI refuses it too; this holds for kubectl).
 */
export function revisitInPast(input: ApprovalUpdate): Verdict {
  const { key, entry } = addedDecision(input);
  if (entry?.decision !== "Defer" || entry.revisitAt === undefined) return ALLOWED;
  const at = parseTimestamp(entry.revisitAt);
  if (at !== undefined && at.getTime() > input.now.getTime()) return ALLOWED;
  return deny(
    "RevisitInPast",
    `spec.decisions["${key}"].revisitAt is ${entry.revisitAt}, not after the server's time ` +
      `(${input.now.toISOString()}); a Defer must name a future time: set revisitAt later, for example with ` +
      "stagegate defer --revisit-in 24h.",
  );
}

/** The UPDATE chain, in the order a person fixing their request would want to hear about problems. */
const UPDATE_RULES = [
  decisionImmutable,
  approvalClosed,
  approvalSettled,
  multipleDecisions,
  decisionKeyMismatch,
  notEligible,
  separationOfDuties,
  decisionTimeForged,
  decisionGroupsForged,
  revisitInPast,
] as const;

/**
 * Judges an UPDATE of an Approval. Updates that leave the decisions alone (labels, owner references) pass;
 * otherwise the first failing rule of the chain denies.
 */
export function checkApprovalUpdate(input: ApprovalUpdate): Verdict {
  return touchesDecisions(input.changes) ? firstDenial(input, UPDATE_RULES) : ALLOWED;
}
