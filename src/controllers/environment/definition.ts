import { Cron } from "croner";
import type { EnvironmentSpec } from "../../api/v1alpha1/environment.js";
import { levelsProblem } from "../../policy/escalation.js";
import { parseDuration } from "../../runtime/duration.js";
import { EnvironmentReason, type EnvironmentOrder } from "./order.js";

/** Why an Environment's gate, as written, cannot work: the reason of its Ready condition and what to fix. */
export interface DefinitionProblem {
  reason:
    | typeof EnvironmentReason.InvalidWindow
    | typeof EnvironmentReason.InvalidFreeze
    | typeof EnvironmentReason.InvalidEscalation
    | typeof EnvironmentReason.NoApprovers;
  message: string;
}

type Window = Pick<EnvironmentSpec["gate"]["windows"][number], "schedule" | "duration" | "timeZone">;

const CRON_HELP =
  'write five fields (minute hour day-of-month month day-of-week), for example "0 8 * * 1-5" for 08:00 on ' +
  "weekdays";

/**
 * Checks what the API server's schema cannot: that every deployment window's time zone is an IANA zone, its
 * schedule parses (croner, the parser the gate uses) and ever fires, and its duration is not zero; and that a
 * gate which requires approvals names somebody who may give them. The first problem found is returned, naming
 * the field and the fix; undefined when the gate can work. Pure apart from reading the time zone database.
 */
export function checkGateDefinition(spec: EnvironmentSpec, now: Date): DefinitionProblem | undefined {
  for (const [index, window] of spec.gate.windows.entries()) {
    const problem = windowProblem(window, now);
    if (problem !== undefined) {
      const label = window.name === undefined ? "" : ` (${window.name})`;
      return {
        reason: EnvironmentReason.InvalidWindow,
        message: `spec.gate.windows[${index}]${label}: ${problem}. Until it is fixed no release can enter.`,
      };
    }
  }
  for (const [index, freeze] of spec.gate.freezes.entries()) {
    if (freeze.schedule === undefined || freeze.duration === undefined) continue;
    const recurring = {
      schedule: freeze.schedule,
      duration: freeze.duration,
      timeZone: freeze.timeZone ?? "UTC",
    };
    const problem = windowProblem(recurring, now, "freeze");
    if (problem !== undefined) {
      return {
        reason: EnvironmentReason.InvalidFreeze,
        message: `spec.gate.freezes[${index}] (${freeze.name}): ${problem}. Until it is fixed no release can enter.`,
      };
    }
  }
  const chains = [
    ...(spec.escalation?.tasks ?? []).map((c, i) => ({
      path: `spec.escalation.tasks[${i}]`,
      levels: c.levels,
    })),
    ...(spec.escalation?.approvals === undefined
      ? []
      : [{ path: "spec.escalation.approvals", levels: spec.escalation.approvals.levels }]),
  ];
  for (const chain of chains) {
    const problem = levelsProblem(chain.levels);
    if (problem !== undefined) {
      return {
        reason: EnvironmentReason.InvalidEscalation,
        message: `${chain.path}.${problem}. Until it is fixed no release can enter.`,
      };
    }
  }
  const { requiredApprovals, approvers } = spec.gate;
  const named = (approvers?.users.length ?? 0) + (approvers?.groups.length ?? 0);
  if (requiredApprovals > 0 && named === 0) {
    return {
      reason: EnvironmentReason.NoApprovers,
      message:
        `spec.gate.requiredApprovals is ${requiredApprovals} but spec.gate.approvers names no users and no ` +
        "groups, so no change can be approved here (emergency approvers decide emergency changes only): add " +
        "users or groups to spec.gate.approvers, or set requiredApprovals to 0.",
    };
  }
  return undefined;
}

function windowProblem(window: Window, now: Date, what = "window"): string | undefined {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: window.timeZone });
  } catch {
    return (
      `timeZone "${window.timeZone}" is not an IANA time zone; use a name such as UTC, Europe/Berlin or ` +
      "America/New_York"
    );
  }
  let cron: Cron;
  try {
    cron = new Cron(window.schedule, { timezone: window.timeZone, paused: true });
  } catch (err) {
    return `schedule "${window.schedule}" is not a cron expression (${(err as Error).message}); ${CRON_HELP}`;
  }
  if (cron.nextRun(now) === null) {
    return `schedule "${window.schedule}" never fires, so the ${what} never begins; ${CRON_HELP}`;
  }
  let length: number;
  try {
    length = parseDuration(window.duration);
  } catch (err) {
    return `duration ${(err as Error).message}`;
  }
  if (length <= 0)
    return `duration "${window.duration}" is zero, so the ${what} never lasts; set it to, for example, 4h`;
  return undefined;
}

/**
 * The placement an Environment reports once its gate definition is checked: a placed environment whose gate
 * cannot work is not Ready (no order or path, so nobody acts on it), with the problem's reason and message. An
 * environment the order already found not ready keeps that reason: it is the first thing to fix.
 */
export function withGateDefinition(
  placement: EnvironmentOrder,
  problem: DefinitionProblem | undefined,
): EnvironmentOrder {
  if (problem === undefined || placement.ready.status !== "True") return placement;
  return { ready: { status: "False", reason: problem.reason, message: problem.message } };
}
