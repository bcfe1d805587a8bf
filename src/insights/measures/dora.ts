import { groupOf, inPeriod, periodDays, selected, type InsightScope } from "./period.js";
import type { PromotionRecord } from "./promotions.js";
import { secondsBetween, summarise, type DurationSummary } from "./stats.js";

/**
 * The four DORA measures of one environment (and group) over the period: deployment frequency (promotions verified),
 * lead time (from the release's first record to verified in the environment, and from the change's oldest commit
 * where the operator read the commits from git),
 * change failure rate (promotions that failed or were rolled back, of all that ended) and time to restore (a
 * rollback opened to completed, or to its alert resolved).
 */
export interface DoraRow {
  environment: string;
  group: string | undefined;
  deployments: number;
  deploymentsPerDay: number;
  leadTime: DurationSummary;
  /** From the change's oldest commit (read from git) to verified: DORA's lead time for changes, where known. */
  commitLeadTime: DurationSummary;
  ended: number;
  failures: number;
  changeFailureRate: number | null;
  timeToRestore: DurationSummary;
}

/** The DORA rows of the scope, one per environment (and group), sorted by environment then group. */
export function doraMeasures(scope: InsightScope, records: readonly PromotionRecord[]): DoraRow[] {
  const groups = new Map<string, PromotionRecord[]>();
  for (const record of selected(scope, records)) {
    const ended = record.verifiedAt ?? record.failedAt;
    if (!inPeriod(scope, ended)) continue;
    const key = JSON.stringify([record.environment, groupOf(scope, record) ?? null]);
    const into = groups.get(key);
    if (into === undefined) groups.set(key, [record]);
    else into.push(record);
  }
  const times = [...groups.values()].flat().map((r) => r.verifiedAt ?? r.failedAt ?? r.promotedAt);
  const days = periodDays(scope, times);
  const rows = [...groups.entries()].map(([key, group]): DoraRow => {
    const [environment, by] = JSON.parse(key) as [string, string | null];
    const verified = group.filter((r) => r.verifiedAt !== undefined);
    const failed = group.filter((r) => r.failedAt !== undefined || r.rollback !== undefined);
    const restores = group.flatMap((r) => {
      const seconds = secondsBetween(r.rollback?.openedAt, r.rollback?.restoredAt);
      return seconds === undefined ? [] : [seconds];
    });
    return {
      environment,
      group: by ?? undefined,
      deployments: verified.length,
      deploymentsPerDay: verified.length / days,
      leadTime: summarise(
        verified.flatMap((r) => {
          const seconds = secondsBetween(r.releaseFirstSeenAt, r.verifiedAt);
          return seconds === undefined ? [] : [seconds];
        }),
      ),
      commitLeadTime: summarise(
        verified.flatMap((r) => {
          const seconds = secondsBetween(r.firstCommitAt, r.verifiedAt);
          return seconds === undefined ? [] : [seconds];
        }),
      ),
      ended: group.length,
      failures: failed.length,
      changeFailureRate: group.length === 0 ? null : failed.length / group.length,
      timeToRestore: summarise(restores),
    };
  });
  return rows.sort(
    (a, b) => a.environment.localeCompare(b.environment) || (a.group ?? "").localeCompare(b.group ?? ""),
  );
}
