import { inPeriod, type InsightScope } from "../measures/period.js";
import { secondsBetween, summarise, type DurationSummary } from "../measures/stats.js";
import { selects } from "../selector.js";
import type { ArchivedTask } from "./archived-tasks.js";

/** How one task type fared with one owner over the period. */
export interface TaskRateRow {
  type: string;
  owner: string;
  closed: number;
  succeeded: number;
  /** Succeeded, of those closed. */
  completionRate: number;
  /** Closed with a due date. */
  withDue: number;
  overdue: number;
  /** Closed after the due date, of those with one; null when none had one. */
  overdueRate: number | null;
  /** Creation to closing. */
  timeToClose: DurationSummary;
}

/**
 * Completion and overdue rates of the closed tasks in the scope, per type and owner (a task with two owners counts
 * for each), sorted by type then owner.
 */
export function taskRates(scope: InsightScope, tasks: readonly ArchivedTask[]): TaskRateRow[] {
  const groups = new Map<string, ArchivedTask[]>();
  for (const task of tasks) {
    if (!inPeriod(scope, task.closedAt) || !selects(scope.selector, task.dimensions)) continue;
    for (const owner of task.owners) {
      const key = JSON.stringify([task.type, owner]);
      const into = groups.get(key);
      if (into === undefined) groups.set(key, [task]);
      else into.push(task);
    }
  }
  return [...groups.entries()]
    .map(([key, group]): TaskRateRow => {
      const [type, owner] = JSON.parse(key) as [string, string];
      const succeeded = group.filter((t) => t.outcome === "Succeeded").length;
      const withDue = group.filter((t) => t.dueAt !== undefined);
      const overdue = withDue.filter((t) => t.overdue).length;
      return {
        type,
        owner,
        closed: group.length,
        succeeded,
        completionRate: succeeded / group.length,
        withDue: withDue.length,
        overdue,
        overdueRate: withDue.length === 0 ? null : overdue / withDue.length,
        timeToClose: summarise(group.flatMap((t) => secondsBetween(t.createdAt, t.closedAt) ?? [])),
      };
    })
    .sort((a, b) => a.type.localeCompare(b.type) || a.owner.localeCompare(b.owner));
}
