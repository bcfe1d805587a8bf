import type { Condition } from "../api/v1alpha1/condition.js";
import type { WaitingTaskObject } from "./waiting-view.js";

/** A task the operator marks overdue (its `Overdue` condition is True), as the overdue page lists it. */
export interface OverdueTask {
  namespace: string;
  name: string;
  title: string;
  type: string;
  release?: string;
  environment?: string;
  owners: string;
  dueAt?: string;
  /** When the operator turned the task overdue (the condition's lastTransitionTime). */
  since: string;
  /** The operator's sentence. */
  message: string;
  phase: string;
}

/** A task the operator marks stalled (its `Stalled` condition is True): it cannot move until a person fixes it. */
export interface StalledTask {
  namespace: string;
  name: string;
  title: string;
  owners: string;
  reason: string;
  message: string;
  since: string;
}

function condition(task: WaitingTaskObject, type: string): Condition | undefined {
  return task.status?.conditions?.find((c) => c.type === type && c.status === "True");
}

function ownersOf(task: WaitingTaskObject): string {
  const owners = task.spec.owners.map((o) => (o.kind === "Group" ? `group ${o.name}` : o.name));
  return owners.length === 0 ? "nobody named" : owners.join(", ");
}

const key = (task: { namespace: string; name: string }): string => `${task.namespace}/${task.name}`;

/**
 * The tasks whose `Overdue` condition the operator set True (it judges due times from `spec.dueAt`, the SLA or the
 * Environment's task SLA; the dashboard does not judge them again), the longest overdue first. Only the operator
 * writes status, through the status subresource, so a task's own spec cannot put it on or off this list.
 */
export function overdueTasks(items: readonly WaitingTaskObject[]): OverdueTask[] {
  return items
    .flatMap((task) => {
      const overdue = condition(task, "Overdue");
      if (overdue === undefined) return [];
      const row: OverdueTask = {
        namespace: task.metadata.namespace ?? "",
        name: task.metadata.name,
        title: task.spec.title,
        type: task.spec.type,
        owners: ownersOf(task),
        message: overdue.message,
        since: overdue.lastTransitionTime,
        phase: task.status?.phase ?? "Unknown",
        ...(task.spec.releaseRef === undefined ? {} : { release: task.spec.releaseRef.name }),
        ...(task.spec.environment === undefined ? {} : { environment: task.spec.environment }),
        ...(task.status?.dueAt === undefined ? {} : { dueAt: task.status.dueAt }),
      };
      return [row];
    })
    .sort((a, b) => (a.dueAt ?? "~").localeCompare(b.dueAt ?? "~") || key(a).localeCompare(key(b)));
}

/** The tasks whose `Stalled` condition the operator set True (a spec a person must fix), oldest first. */
export function stalledTasks(items: readonly WaitingTaskObject[]): StalledTask[] {
  return items
    .flatMap((task) => {
      const stalled = condition(task, "Stalled");
      if (stalled === undefined) return [];
      const row: StalledTask = {
        namespace: task.metadata.namespace ?? "",
        name: task.metadata.name,
        title: task.spec.title,
        owners: ownersOf(task),
        reason: stalled.reason,
        message: stalled.message,
        since: stalled.lastTransitionTime,
      };
      return [row];
    })
    .sort((a, b) => a.since.localeCompare(b.since) || key(a).localeCompare(key(b)));
}
