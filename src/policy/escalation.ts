import type { EscalationLevel, EscalationRecipients } from "../api/v1alpha1/escalation.js";
import type { EscalationStatus, EscalationStep } from "../api/v1alpha1/escalation-status.js";
import type { Owner } from "../api/v1alpha1/meta.js";
import { formatTimestamp, parseDuration } from "../runtime/duration.js";

/** The people behind the roles a level may name, for one object. */
export interface EscalationRoles {
  /** The task's owners, or the environment's approvers for an approval. */
  owners: readonly Owner[];
  releaseManager?: Owner | undefined;
  cabGroup?: string | undefined;
}

/** Everything one escalation decision reads; pure. */
export interface EscalationInput {
  levels: readonly EscalationLevel[];
  /** When the SLA is (or was) breached; undefined when nothing is due. */
  breachAt: Date | undefined;
  /** Whether the work is still open (a done or cancelled task, a decided approval, escalates no further). */
  open: boolean;
  previous: EscalationStatus | undefined;
  roles: EscalationRoles;
}

/** The escalation state to store, the levels reached in this pass (to record and notify once), and when to look again. */
export interface EscalationDecision {
  status: EscalationStatus | undefined;
  reached: EscalationStep[];
  requeueAfterMs?: number;
}

/** The users and groups a level notifies, sorted and without duplicates. */
export function recipientsOf(
  notify: EscalationRecipients,
  roles: EscalationRoles,
): EscalationStep["notified"] {
  const users = new Set(notify.users);
  const groups = new Set(notify.groups);
  const add = (owner: Owner | undefined): void => {
    if (owner === undefined) return;
    (owner.kind === "Group" ? groups : users).add(owner.name);
  };
  if (notify.owners) for (const owner of roles.owners) add(owner);
  if (notify.releaseManager) add(roles.releaseManager);
  if (notify.cab && roles.cabGroup !== undefined) groups.add(roles.cabGroup);
  return { users: [...users].sort(), groups: [...groups].sort() };
}

/**
 * Moves an object along its escalation chain. Level k is reached at the breach plus its `after`, while the work is
 * open; each level is reached once: the stored steps are the record, so a pass after a restart, a leader change or a
 * failed write decides the same steps with the same instants (`at` is the level's due instant, not the clock), and
 * a step already stored is never reached again. Closed work keeps its steps and drops `nextAt`.
 */
export function decideEscalation(input: EscalationInput, now: Date): EscalationDecision {
  const { levels, breachAt, open, previous } = input;
  const stored = previous?.steps ?? [];
  if (breachAt === undefined) {
    return { status: stored.length === 0 ? undefined : withoutNext(previous, stored), reached: [] };
  }
  const done = new Set(stored.map((s) => s.level));
  const steps = [...stored];
  const reached: EscalationStep[] = [];
  let next: Date | undefined;
  for (const [index, level] of levels.entries()) {
    const number = index + 1;
    const at = new Date(breachAt.getTime() + parseDuration(level.after));
    if (done.has(number)) continue;
    if (!open) break;
    if (at.getTime() > now.getTime()) {
      next = at;
      break;
    }
    const step: EscalationStep = {
      level: number,
      at: formatTimestamp(at),
      notified: recipientsOf(level.notify, input.roles),
    };
    steps.push(step);
    reached.push(step);
  }
  steps.sort((a, b) => a.level - b.level);
  const breached = breachAt.getTime() <= now.getTime() || steps.length > 0;
  if (!breached && next === undefined) return { status: undefined, reached };
  const status: EscalationStatus = {
    ...(breached ? { breachedAt: formatTimestamp(breachAt) } : {}),
    level: steps.reduce((max, s) => Math.max(max, s.level), 0),
    steps,
    ...(next === undefined ? {} : { nextAt: formatTimestamp(next) }),
  };
  return next === undefined
    ? { status, reached }
    : { status, reached, requeueAfterMs: next.getTime() - now.getTime() };
}

function withoutNext(previous: EscalationStatus | undefined, steps: EscalationStep[]): EscalationStatus {
  return {
    ...(previous?.breachedAt === undefined ? {} : { breachedAt: previous.breachedAt }),
    level: previous?.level ?? 0,
    steps,
  };
}

/** Why a chain's levels cannot work (the first problem, naming the level), or undefined. */
export function levelsProblem(levels: readonly EscalationLevel[]): string | undefined {
  let last = -1;
  for (const [index, level] of levels.entries()) {
    let after: number;
    try {
      after = parseDuration(level.after);
    } catch (err) {
      return `levels[${index}].after: ${(err as Error).message}`;
    }
    if (after <= last) {
      return `levels[${index}].after (${level.after}) must be later than the level before it`;
    }
    last = after;
    const n = level.notify;
    if (!n.owners && !n.releaseManager && !n.cab && n.users.length === 0 && n.groups.length === 0) {
      return `levels[${index}].notify names nobody: set owners, releaseManager, cab, users or groups`;
    }
  }
  return undefined;
}
