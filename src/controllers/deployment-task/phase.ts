import type { Condition } from "../../api/v1alpha1/condition.js";
import type { TaskPhase } from "../../api/v1alpha1/deployment-task.js";
import { findCondition, isTrue } from "../../runtime/conditions.js";
import { TaskCondition, TaskReason } from "./reasons.js";

/**
 * Reads a task's display phase from its conditions, which stay the truth: Succeeded True is Succeeded;
 * Succeeded False is Cancelled when its reason says so and Failed otherwise; then Blocked True is Blocked;
 * anything else (including no conditions yet) is Ready. Use it for dependencies too, rather than trusting a
 * stored `status.phase`.
 */
export function deriveTaskPhase(conditions: readonly Condition[] | undefined): TaskPhase {
  const succeeded = findCondition(conditions, TaskCondition.Succeeded);
  if (succeeded?.status === "True") return "Succeeded";
  if (succeeded?.status === "False")
    return succeeded.reason === TaskReason.Cancelled ? "Cancelled" : "Failed";
  return isTrue(conditions, TaskCondition.Blocked) ? "Blocked" : "Ready";
}
