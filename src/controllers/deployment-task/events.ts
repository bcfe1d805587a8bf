import type { Condition } from "../../api/v1alpha1/condition.js";
import { findCondition } from "../../runtime/conditions.js";
import type { EventSpec } from "../../runtime/events.js";
import { TaskCondition, TaskReason } from "./reasons.js";

/**
 * The events a task decision announces, read from the difference between the stored and the decided
 * conditions, so they fire once per transition whatever woke the reconciler: Succeeded (Normal), a failed
 * checklist item (Warning), Cancelled (Normal), Unblocked (Normal, when Blocked goes from True to False),
 * Overdue (Warning, when Overdue turns True) and Stalled (Warning with the stall's reason, when it starts or
 * its reason or message changes). A first reconcile announces whatever is already true.
 */
export function deriveTaskEvents(
  previous: readonly Condition[] | undefined,
  next: readonly Condition[],
): EventSpec[] {
  const events: EventSpec[] = [];
  const before = (type: string): Condition | undefined => findCondition(previous, type);
  const after = (type: string): Condition | undefined => findCondition(next, type);
  const succeeded = after(TaskCondition.Succeeded);
  if (succeeded !== undefined && changed(before(TaskCondition.Succeeded), succeeded)) {
    if (succeeded.status === "True") {
      events.push({ type: "Normal", reason: TaskReason.Succeeded, message: succeeded.message });
    } else if (succeeded.status === "False") {
      const cancelled = succeeded.reason === TaskReason.Cancelled;
      events.push({
        type: cancelled ? "Normal" : "Warning",
        reason: succeeded.reason,
        message: succeeded.message,
      });
    }
  }
  const blocked = after(TaskCondition.Blocked);
  if (before(TaskCondition.Blocked)?.status === "True" && blocked?.status === "False") {
    events.push({ type: "Normal", reason: TaskReason.Unblocked, message: blocked.message });
  }
  const overdue = after(TaskCondition.Overdue);
  if (overdue?.status === "True" && before(TaskCondition.Overdue)?.status !== "True") {
    events.push({ type: "Warning", reason: TaskReason.Overdue, message: overdue.message });
  }
  const stalled = after(TaskCondition.Stalled);
  const wasStalled = before(TaskCondition.Stalled);
  if (stalled?.status === "True" && (wasStalled?.status !== "True" || changedText(wasStalled, stalled))) {
    events.push({ type: "Warning", reason: stalled.reason, message: stalled.message });
  }
  return events;
}

/** Whether a summary condition moved to a different status or, within False, to a different reason. */
function changed(previous: Condition | undefined, next: Condition): boolean {
  return previous?.status !== next.status || (next.status === "False" && previous.reason !== next.reason);
}

function changedText(previous: Condition, next: Condition): boolean {
  return previous.reason !== next.reason || previous.message !== next.message;
}
