import type { DeploymentTaskSpec, TaskPhase } from "../../api/v1alpha1/deployment-task.js";
import {
  formatTimestamp,
  InvalidDurationError,
  parseDuration,
  parseTimestamp,
} from "../../runtime/duration.js";
import { TaskReason } from "./reasons.js";

/** When a task is due: not at all, at an instant, or unknown because a field is invalid (the message says which). */
export type DueTime = { kind: "none" } | { kind: "due"; at: Date } | { kind: "invalid"; message: string };

/** The Overdue condition's content, and how long until it would flip on its own. */
export interface OverdueVerdict {
  status: "True" | "False";
  reason:
    | typeof TaskReason.PastDue
    | typeof TaskReason.OnTime
    | typeof TaskReason.Completed
    | typeof TaskReason.Cancelled;
  message: string;
  /** Milliseconds until the due time, only while the task is open and not yet due. */
  requeueAfterMs?: number;
}

/**
 * Resolves a task's due time: `spec.dueAt` when set, else creation time plus `spec.sla`, else creation time
 * plus the task SLA of its Environment (`environmentTaskSla`), else none. Setting both dueAt and sla, an
 * unparsable value, or an SLA without a creation time is reported as `invalid` with a message naming the field.
 */
export function resolveDueTime(
  spec: Pick<DeploymentTaskSpec, "dueAt" | "sla">,
  creationTimestamp: string | undefined,
  environmentTaskSla?: string,
): DueTime {
  if (spec.dueAt !== undefined && spec.sla !== undefined) {
    return { kind: "invalid", message: "Set either spec.dueAt or spec.sla, not both." };
  }
  if (spec.dueAt !== undefined) {
    const at = parseTimestamp(spec.dueAt);
    return at === undefined
      ? {
          kind: "invalid",
          message: `spec.dueAt "${spec.dueAt}" is not an RFC 3339 time such as 2025-06-30T17:00:00Z.`,
        }
      : { kind: "due", at };
  }
  const field = spec.sla !== undefined ? "spec.sla" : "the Environment's spec.taskSLA";
  const sla = spec.sla ?? environmentTaskSla;
  if (sla === undefined) return { kind: "none" };
  const created = creationTimestamp === undefined ? undefined : parseTimestamp(creationTimestamp);
  if (created === undefined) {
    return { kind: "invalid", message: `The task has no valid creation time to count ${field} from.` };
  }
  try {
    return { kind: "due", at: new Date(created.getTime() + parseDuration(sla)) };
  } catch (err) {
    if (!(err instanceof InvalidDurationError)) throw err;
    return { kind: "invalid", message: `${field}: ${err.message}.` };
  }
}

/**
 * Decides the Overdue condition. An open task (anything but Succeeded or Cancelled, so a Failed task too) is
 * overdue from the due instant itself onwards; before it, `requeueAfterMs` is the exact time left, so the
 * condition flips on time without polling. Messages name instants, never "time left", so the status does not
 * change between the due time's transitions and is written only when something happens.
 */
export function assessOverdue(
  dueAt: Date,
  now: Date,
  phase: TaskPhase,
  completedAt: string | undefined,
): OverdueVerdict {
  const due = formatTimestamp(dueAt);
  if (phase === "Succeeded") {
    const completed = completedAt === undefined ? undefined : parseTimestamp(completedAt);
    const late = completed !== undefined && completed.getTime() > dueAt.getTime();
    const when = completedAt === undefined ? "" : ` at ${completedAt}`;
    return {
      status: "False",
      reason: TaskReason.Completed,
      message: `The task succeeded${when}, ${late ? "after" : "by"} its due time ${due}.`,
    };
  }
  if (phase === "Cancelled") {
    return {
      status: "False",
      reason: TaskReason.Cancelled,
      message: `The task was cancelled, so its due time ${due} no longer applies.`,
    };
  }
  const left = dueAt.getTime() - now.getTime();
  if (left <= 0) {
    return {
      status: "True",
      reason: TaskReason.PastDue,
      message: `The task was due at ${due} and has not succeeded.`,
    };
  }
  return {
    status: "False",
    reason: TaskReason.OnTime,
    message: `The task is due at ${due}.`,
    requeueAfterMs: left,
  };
}
