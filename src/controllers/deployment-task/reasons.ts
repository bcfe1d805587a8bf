/**
 * The condition types a DeploymentTask reports. `Succeeded` is the summary; `Blocked` explains dependencies;
 * `Overdue` exists only when the task has a due time; `Stalled` exists only while the task cannot progress
 * without someone changing a spec.
 */
export const TaskCondition = {
  Succeeded: "Succeeded",
  Blocked: "Blocked",
  Overdue: "Overdue",
  Stalled: "Stalled",
} as const;

/**
 * Every reason the DeploymentTask controller writes on a condition or an event, in one place so the CLI, the
 * docs and the tests use the same words.
 */
export const TaskReason = {
  // Succeeded
  ChecklistComplete: "ChecklistComplete",
  InProgress: "InProgress",
  NoRequiredItems: "NoRequiredItems",
  Blocked: "Blocked",
  Cancelled: "Cancelled",
  ChecklistItemFailed: "ChecklistItemFailed",
  // Blocked
  DependenciesMet: "DependenciesMet",
  DependenciesPending: "DependenciesPending",
  DependencyMissing: "DependencyMissing",
  DependencyFailed: "DependencyFailed",
  DependencyCancelled: "DependencyCancelled",
  DependencyCycle: "DependencyCycle",
  // Overdue
  PastDue: "PastDue",
  OnTime: "OnTime",
  Completed: "Completed",
  // Stalled
  InvalidSpec: "InvalidSpec",
  // events only
  Succeeded: "Succeeded",
  Unblocked: "Unblocked",
  Overdue: "Overdue",
  Escalated: "Escalated",
} as const;
