import type { Condition } from "../../api/v1alpha1/condition.js";
import type { DeploymentTaskSpec, DeploymentTaskStatus } from "../../api/v1alpha1/deployment-task.js";
import { removeCondition, setCondition, type ConditionUpdate } from "../../runtime/conditions.js";
import type { TaskEscalation } from "../../api/v1alpha1/escalation.js";
import type { EscalationStep } from "../../api/v1alpha1/escalation-status.js";
import { decideEscalation, type EscalationRoles } from "../../policy/escalation.js";
import { formatTimestamp, parseDuration, parseTimestamp } from "../../runtime/duration.js";
import type { EventSpec } from "../../runtime/events.js";
import { assessChecklist, type ChecklistVerdict } from "./checklist.js";
import { cycleThrough } from "./cycles.js";
import {
  assessDependencies,
  describeCycle,
  type DependencyState,
  type DependencyVerdict,
} from "./dependencies.js";
import { assessOverdue, resolveDueTime, type DueTime } from "./due.js";
import { deriveTaskEvents } from "./events.js";
import { deriveTaskPhase } from "./phase.js";
import { TaskCondition, TaskReason } from "./reasons.js";
import { sentence } from "./wording.js";

/** Everything the decision needs, gathered from the cache by the reconciler. */
export interface TaskDecisionInput {
  task: {
    metadata: { name: string; generation?: number | undefined; creationTimestamp?: string | undefined };
    spec: DeploymentTaskSpec;
    status?: DeploymentTaskStatus | undefined;
  };
  /** One entry per name in `spec.dependsOn`; a name without an entry counts as missing. */
  dependencies: ReadonlyMap<string, DependencyState>;
  /** The dependency cycle through this task, if any (see `cycleThrough`), in `dependsOn` edge order. */
  cycle?: readonly string[] | undefined;
  /** The `spec.taskSLA` of the task's Environment, used when the task sets neither dueAt nor sla. */
  environmentTaskSla?: string | undefined;
  /** The escalation chain of the task's Environment that applies to its type, and the people behind its roles. */
  escalation?: { chain: TaskEscalation; roles: EscalationRoles } | undefined;
}

/** The complete desired status, when to look again, and the events that announce what changed. */
export interface TaskDecision {
  status: DeploymentTaskStatus;
  /** Exactly the time until the task falls due or its next escalation, while it is open; absent otherwise. */
  requeueAfterMs?: number;
  events: EventSpec[];
  /** The escalation levels this decision reaches, to record (once) and announce. */
  escalated: EscalationStep[];
}

type Verdict = Omit<ConditionUpdate, "type" | "observedGeneration">;

/**
 * Decides a DeploymentTask's status from its spec, its dependencies and the clock. Precedence: Cancelled, then
 * Failed (a checklist item failed), then Blocked (a dependency has not succeeded, is missing, or the task is on
 * a cycle), then Succeeded (every required item done), else Ready. A blocked task never succeeds, even with its
 * checklist complete, so a gate cannot pass on work done out of order. `completedAt` is stamped at the first
 * Succeeded decision and kept forever after, even if the task later regresses. Pure and deterministic: the
 * same input and `now` always give the same decision.
 */
export function decideTask(input: TaskDecisionInput, now: Date): TaskDecision {
  const { metadata, spec, status: previous } = input.task;
  const observedGeneration = metadata.generation;
  const cycle =
    input.cycle === undefined || input.cycle.length === 0
      ? undefined
      : (cycleThrough([input.cycle], metadata.name) ?? [...input.cycle]);
  const dependencies = assessDependencies(spec.dependsOn, input.dependencies, cycle);
  const checklist = assessChecklist(spec.checklist);

  const set = (list: Condition[], type: string, verdict: Verdict): Condition[] =>
    setCondition(list, { type, ...verdict, observedGeneration }, now);
  let conditions = set(
    [...(previous?.conditions ?? [])],
    TaskCondition.Succeeded,
    summarise(spec.cancelled, checklist, dependencies),
  );
  conditions = set(conditions, TaskCondition.Blocked, {
    status: dependencies.blocked ? "True" : "False",
    reason: dependencies.reason,
    message: dependencies.message,
  });
  const phase = deriveTaskPhase(conditions);
  const completedAt = previous?.completedAt ?? (phase === "Succeeded" ? formatTimestamp(now) : undefined);

  const due = resolveDueTime(spec, metadata.creationTimestamp, input.environmentTaskSla);
  const overdue = due.kind === "due" ? assessOverdue(due.at, now, phase, completedAt) : undefined;
  conditions =
    overdue === undefined
      ? removeCondition(conditions, TaskCondition.Overdue)
      : set(conditions, TaskCondition.Overdue, overdue);
  const stall = assessStall(phase === "Blocked" ? cycle : undefined, due);
  conditions =
    stall === undefined
      ? removeCondition(conditions, TaskCondition.Stalled)
      : set(conditions, TaskCondition.Stalled, stall);

  const escalation =
    input.escalation === undefined
      ? undefined
      : decideEscalation(
          {
            levels: input.escalation.chain.levels,
            breachAt: escalationBreach(input.escalation.chain, metadata.creationTimestamp, due),
            open: phase !== "Succeeded" && phase !== "Cancelled",
            previous: previous?.escalation,
            roles: input.escalation.roles,
          },
          now,
        );
  const kept = escalation?.status ?? (input.escalation === undefined ? previous?.escalation : undefined);

  const status: DeploymentTaskStatus = {
    ...(observedGeneration === undefined ? {} : { observedGeneration }),
    conditions,
    phase,
    ...(dependencies.blockedBy.length === 0 ? {} : { blockedBy: dependencies.blockedBy }),
    progress: checklist.progress,
    ...(due.kind === "due" ? { dueAt: formatTimestamp(due.at) } : {}),
    ...(completedAt === undefined ? {} : { completedAt }),
    ...(kept === undefined ? {} : { escalation: kept }),
  };
  const escalated = escalation?.reached ?? [];
  const events = [
    ...deriveTaskEvents(previous?.conditions, conditions),
    ...escalated.map((step) => escalationEvent(step, kept?.breachedAt)),
  ];
  const waits = [overdue?.requeueAfterMs, escalation?.requeueAfterMs].filter(
    (ms): ms is number => ms !== undefined,
  );
  return waits.length === 0
    ? { status, events, escalated }
    : { status, requeueAfterMs: Math.min(...waits), events, escalated };
}

/**
 * When a task's SLA counts as breached for its escalation chain: creation plus the chain's own `sla` when it sets one
 * (the task's dueAt or sla, which people may edit, cannot postpone it), else the task's due time.
 */
function escalationBreach(
  chain: TaskEscalation,
  creationTimestamp: string | undefined,
  due: DueTime,
): Date | undefined {
  if (chain.sla !== undefined) {
    const created = creationTimestamp === undefined ? undefined : parseTimestamp(creationTimestamp);
    return created === undefined ? undefined : new Date(created.getTime() + parseDuration(chain.sla));
  }
  return due.kind === "due" ? due.at : undefined;
}

function escalationEvent(step: EscalationStep, breachedAt: string | undefined): EventSpec {
  const who = [
    ...step.notified.users.map((u) => `user ${u}`),
    ...step.notified.groups.map((g) => `group ${g}`),
  ];
  return {
    type: "Warning",
    reason: TaskReason.Escalated,
    message:
      `The task is past its SLA${breachedAt === undefined ? "" : ` since ${breachedAt}`}: escalation level ` +
      `${step.level} notifies ${who.length === 0 ? "nobody (the roles it names are empty)" : who.join(", ")}.`,
  };
}

/** The Succeeded summary: the first of cancelled, failed, blocked, complete, nothing to do, in progress. */
function summarise(
  cancelled: boolean,
  checklist: ChecklistVerdict,
  dependencies: DependencyVerdict,
): Verdict {
  if (cancelled) {
    return {
      status: "False",
      reason: TaskReason.Cancelled,
      message: "The task was cancelled; it will not complete.",
    };
  }
  if (checklist.outcome === "Failed") {
    return { status: "False", reason: TaskReason.ChecklistItemFailed, message: checklist.message };
  }
  if (dependencies.blocked)
    return { status: "Unknown", reason: TaskReason.Blocked, message: dependencies.message };
  if (checklist.outcome === "Complete") {
    return { status: "True", reason: TaskReason.ChecklistComplete, message: checklist.message };
  }
  if (checklist.outcome === "NoRequiredItems") {
    return { status: "Unknown", reason: TaskReason.NoRequiredItems, message: checklist.message };
  }
  return { status: "Unknown", reason: TaskReason.InProgress, message: checklist.message };
}

/**
 * The Stalled condition, present only when a person must change a spec: a dependency cycle holding back a
 * blocked task, or a due time that cannot be computed. With both, the cycle names the reason and the message
 * covers both.
 */
function assessStall(cycle: readonly string[] | undefined, due: DueTime): Verdict | undefined {
  const invalid = due.kind === "invalid" ? due.message : undefined;
  if (cycle !== undefined) {
    const message = [sentence([describeCycle(cycle)]), invalid].filter((m) => m !== undefined).join(" ");
    return { status: "True", reason: TaskReason.DependencyCycle, message };
  }
  return invalid === undefined
    ? undefined
    : { status: "True", reason: TaskReason.InvalidSpec, message: invalid };
}
