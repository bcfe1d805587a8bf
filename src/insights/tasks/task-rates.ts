import { inPeriod, type InsightScope } from "../measures/period.js";
import { secondsBetween, summarise, type DurationSummary } from "../measures/stats.js";
import { selects } from "../selector.js";
import type { ArchivedTask } from "./archived-tasks.js";
import type { OpenTask } from "./open-tasks.js";

/** How one task type fared with one owner over the period. */
export interface TaskRateRow {
  type: string;
  owner: string;
  closed: number;
  succeeded: number;
  /** Created before the period's end and not closed by then (closed later, or still open). */
  open: number;
  /** Succeeded, of those closed in the period and those open at its end. */
  completionRate: number;
  /** Closed in the period or open at its end, with a due date. */
  withDue: number;
  /** Closed after the due date, or open at the period's end with the due date passed. */
  overdue: number;
  /** Of `overdue`, those still open at the period's end. */
  openOverdue: number;
  /** Overdue, of those with a due date; null when none had one. */
  overdueRate: number | null;
  /** Creation to closing, of the tasks closed in the period. */
  timeToClose: DurationSummary;
}

/** One task as the rates count it: closed in the period, or open at its end. */
interface Counted {
  task: ArchivedTask | OpenTask;
  open: boolean;
  overdue: boolean;
}

/**
 * Sorts each task into what the rates count: closed in the period, or open at its end (created before it and closed
 * after it, or not closed at all); any other task is not counted. An open task is overdue when its due date is before
 * the period's end.
 */
function counted(
  scope: InsightScope,
  closed: readonly ArchivedTask[],
  open: readonly OpenTask[],
  end: number,
): Counted[] {
  const openAtEnd = (task: ArchivedTask | OpenTask): Counted | undefined =>
    Date.parse(task.createdAt) < end
      ? { task, open: true, overdue: task.dueAt !== undefined && Date.parse(task.dueAt) < end }
      : undefined;
  return [
    ...closed.flatMap((task) => {
      if (inPeriod(scope, task.closedAt)) return [{ task, open: false, overdue: task.overdue }];
      if (Date.parse(task.closedAt) < end) return [];
      return openAtEnd(task) ?? [];
    }),
    ...open.flatMap((task) => openAtEnd(task) ?? []),
  ];
}

/**
 * Completion and overdue rates of the tasks in the scope, per type and owner (a task with two owners counts for
 * each), sorted by type then owner. The tasks closed in the period come from the archive; a task open at the period's
 * end (`--until`, else `now`) is counted as open, and as overdue when it was due by then, never dropped: archived
 * tasks that closed after the end, and `open` tasks (still open now, read from the cluster) created before it.
 */
export function taskRates(
  scope: InsightScope,
  tasks: readonly ArchivedTask[],
  open: readonly OpenTask[] = [],
  now: Date = new Date(),
): TaskRateRow[] {
  const end = (scope.until ?? now).getTime();
  const groups = new Map<string, Counted[]>();
  for (const item of counted(scope, tasks, open, end)) {
    if (!selects(scope.selector, item.task.dimensions)) continue;
    for (const owner of item.task.owners) {
      const key = JSON.stringify([item.task.type, owner]);
      const into = groups.get(key);
      if (into === undefined) groups.set(key, [item]);
      else into.push(item);
    }
  }
  return [...groups.entries()]
    .map(([key, group]): TaskRateRow => {
      const [type, owner] = JSON.parse(key) as [string, string];
      const closed = group.flatMap((c) => (c.open ? [] : [c.task as ArchivedTask]));
      const succeeded = closed.filter((t) => t.outcome === "Succeeded").length;
      const withDue = group.filter((c) => c.task.dueAt !== undefined);
      const overdue = withDue.filter((c) => c.overdue);
      return {
        type,
        owner,
        closed: closed.length,
        succeeded,
        open: group.length - closed.length,
        completionRate: succeeded / group.length,
        withDue: withDue.length,
        overdue: overdue.length,
        openOverdue: overdue.filter((c) => c.open).length,
        overdueRate: withDue.length === 0 ? null : overdue.length / withDue.length,
        timeToClose: summarise(closed.flatMap((t) => secondsBetween(t.createdAt, t.closedAt) ?? [])),
      };
    })
    .sort((a, b) => a.type.localeCompare(b.type) || a.owner.localeCompare(b.owner));
}
