import type { ApprovalOutcome, ApprovalSpec, Decision } from "../../api/v1alpha1/approval.js";
import { formatTimestamp, parseTimestamp } from "../../runtime/duration.js";
import { OPERATOR } from "./reasons.js";

/** The part of an Approval the outcome is counted from. */
export type CountedSpec = Pick<
  ApprovalSpec,
  "required" | "eligible" | "requiredGroups" | "excluded" | "decisions"
>;

/** A decision that does not count, and why. */
export interface IgnoredDecision {
  user: string;
  why: string;
}

/** The outcome of an Approval as counted from its decisions, with what a message needs to explain it. */
export interface OutcomeVerdict {
  outcome: ApprovalOutcome;
  /** Approve decisions that count toward `required`, up to the decision that settled the outcome. */
  approvals: number;
  /** Who made those Approve decisions, in the order they were made. */
  approvers: string[];
  /** The approver whose decision settled the outcome, or the operator for an expiry. */
  decidedBy?: string;
  /** When the outcome settled: the settling decision's decidedAt, or the expiry instant. */
  decidedAt?: string;
  /** The earliest revisitAt of the Defer decisions, for a Deferred outcome. */
  revisitAt?: string;
  /** The settling decision's comment, if any. */
  comment?: string;
  /** Required groups no counted Approve came from yet. */
  missingGroups: string[];
  /** Decisions that do not count: excluded or ineligible deciders, or decisions made after the expiry. */
  ignored: IgnoredDecision[];
}

interface Counted {
  user: string;
  at: number;
  decision: Decision;
}

/**
 * Counts an Approval's decisions. Only decisions of eligible users (listed, or in a listed group by the groups
 * stamped on the decision) who are not excluded (compared case-insensitively), made no later than `expiresAt`,
 * count. They are replayed in the order they were made (by `decidedAt`; ties at one instant are weighed
 * together), and the outcome settles at the first instant when: a Reject exists (Rejected); else a Defer
 * exists (Deferred, until the earliest revisitAt); else `required` Approves exist and every required group has
 * an Approve from a member (Approved). Unsettled at `expiresAt` (when `now` has reached it) is Expired; else
 * Pending. Replaying in order makes the outcome a function of the immutable decisions alone, whatever the
 * operator saw and when, and a decision can never overturn an outcome that settled before it. Pure.
 */
export function countDecisions(spec: CountedSpec, expiresAt: Date | undefined, now: Date): OutcomeVerdict {
  const { counted, ignored } = partition(spec, expiresAt);
  const approvers: string[] = [];
  const covered = new Set<string>();
  const missing = (): string[] => spec.requiredGroups.filter((g) => !covered.has(g));
  const settle = (outcome: ApprovalOutcome, by: Counted, extra: Partial<OutcomeVerdict> = {}) => ({
    outcome,
    approvals: approvers.length,
    approvers: [...approvers],
    decidedBy: by.user,
    decidedAt: formatTimestamp(new Date(by.at)),
    ...(by.decision.comment === undefined ? {} : { comment: by.decision.comment }),
    missingGroups: missing(),
    ignored,
    ...extra,
  });
  for (let i = 0; i < counted.length;) {
    const at = counted[i]?.at;
    const instant = counted.filter((c) => c.at === at);
    i += instant.length;
    const approves = instant.filter((c) => c.decision.decision === "Approve");
    for (const approve of approves) {
      approvers.push(approve.user);
      for (const group of approve.decision.groups ?? []) covered.add(group);
    }
    const reject = instant.find((c) => c.decision.decision === "Reject");
    if (reject !== undefined) return settle("Rejected", reject);
    const defers = instant.filter((c) => c.decision.decision === "Defer");
    const defer = defers[0];
    if (defer !== undefined) {
      const revisits = defers.flatMap((d) =>
        d.decision.revisitAt === undefined ? [] : [d.decision.revisitAt],
      );
      const earliest = revisits.sort((a, b) => time(a) - time(b))[0];
      return settle("Deferred", defer, earliest === undefined ? {} : { revisitAt: earliest });
    }
    const last = approves[0];
    if (last !== undefined && approvers.length >= spec.required && missing().length === 0) {
      return settle("Approved", last);
    }
  }
  const expired = expiresAt !== undefined && now.getTime() >= expiresAt.getTime();
  return {
    outcome: expired ? "Expired" : "Pending",
    approvals: approvers.length,
    approvers,
    ...(expired ? { decidedBy: OPERATOR, decidedAt: formatTimestamp(expiresAt) } : {}),
    missingGroups: missing(),
    ignored,
  };
}

/** Splits the decisions into those that count, in the order they were made, and those that do not. */
function partition(
  spec: CountedSpec,
  expiresAt: Date | undefined,
): { counted: Counted[]; ignored: IgnoredDecision[] } {
  const excluded = new Map(spec.excluded.map((e) => [e.user.toLowerCase(), e.reason]));
  const counted: Counted[] = [];
  const ignored: IgnoredDecision[] = [];
  for (const [user, decision] of Object.entries(spec.decisions)) {
    const at = time(decision.decidedAt);
    const barred = excluded.get(user.toLowerCase());
    if (barred !== undefined) ignored.push({ user, why: `excluded: ${barred}` });
    else if (!isEligible(spec.eligible, user, decision)) ignored.push({ user, why: "not eligible" });
    else if (expiresAt !== undefined && at > expiresAt.getTime()) {
      ignored.push({ user, why: `decided after the approval expired at ${formatTimestamp(expiresAt)}` });
    } else counted.push({ user, at, decision });
  }
  counted.sort((a, b) => a.at - b.at || (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
  ignored.sort((a, b) => (a.user < b.user ? -1 : 1));
  return { counted, ignored };
}

/** Whether a user may decide: listed by name, or a member of a listed group by the groups stamped on the decision. */
export function isEligible(eligible: CountedSpec["eligible"], user: string, decision: Decision): boolean {
  return eligible.users.includes(user) || (decision.groups ?? []).some((g) => eligible.groups.includes(g));
}

function time(text: string): number {
  return parseTimestamp(text)?.getTime() ?? Number.POSITIVE_INFINITY;
}
