import type { ApprovalObject } from "./change-control.js";
import type { Identity } from "../runtime/kube/self-review.js";

/** One check of whether an Approval waits for me: pass, or the reason (CamelCase) and a sentence why not. */
export interface AwaitingCheck {
  readonly pass: boolean;
  readonly reason: string;
  readonly message: string;
}

type Check = (approval: ApprovalObject, me: Identity) => AwaitingCheck;

const PASS: AwaitingCheck = {
  pass: true,
  reason: "AwaitingYou",
  message: "The approval waits for your decision.",
};

const isOpen: Check = (approval) =>
  approval.status?.closedAt === undefined
    ? PASS
    : { pass: false, reason: "Closed", message: `The approval closed at ${approval.status.closedAt}.` };

// An Approval the operator has not counted yet has no outcome; it is as pending as one counted Pending.
const isPending: Check = (approval) => {
  const outcome = approval.status?.outcome ?? "Pending";
  return outcome === "Pending"
    ? PASS
    : { pass: false, reason: "Settled", message: `The approval is already ${outcome}.` };
};

const isUndecided: Check = (approval, me) => {
  const mine = approval.spec.decisions[me.username];
  return mine === undefined
    ? PASS
    : {
        pass: false,
        reason: "AlreadyDecided",
        message: `You decided ${mine.decision} at ${mine.decidedAt}.`,
      };
};

// Case-insensitive, as the admission webhook compares excluded users (user names that are e-mail addresses).
const isNotExcluded: Check = (approval, me) => {
  const name = me.username.toLowerCase();
  const entry = approval.spec.excluded.find((excluded) => excluded.user.toLowerCase() === name);
  return entry === undefined
    ? PASS
    : {
        pass: false,
        reason: "Excluded",
        message: `You may not decide (separation of duties): ${entry.reason}.`,
      };
};

const isEligible: Check = (approval, me) => {
  const { users, groups } = approval.spec.eligible;
  return users.includes(me.username) || me.groups.some((group) => groups.includes(group))
    ? PASS
    : {
        pass: false,
        reason: "NotEligible",
        message: `Neither you nor your groups are eligible (users: ${users.join(", ") || "none"}; groups: ${groups.join(", ") || "none"}).`,
      };
};

const CHECKS: readonly Check[] = [isOpen, isPending, isEligible, isNotExcluded, isUndecided];

/**
 * Whether an Approval waits for a decision from `me`: open, still pending, `me` eligible by user or group, not
 * excluded by separation of duties, and not decided yet. The first failing check names the reason.
 */
export function assessAwaitingDecision(approval: ApprovalObject, me: Identity): AwaitingCheck {
  for (const check of CHECKS) {
    const result = check(approval, me);
    if (!result.pass) return result;
  }
  return PASS;
}
