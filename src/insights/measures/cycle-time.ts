import { inPeriod, selected, type InsightScope } from "./period.js";
import { phasesOf, type PromotionPhases } from "./phases.js";
import { groupBy, type PromotionRecord } from "./promotions.js";
import { secondsBetween } from "./stats.js";

/** One release's cycle time to an environment, and each environment's phases on the way. */
export interface CycleTimeRow {
  namespace: string;
  release: string;
  uid: string;
  firstSeenAt: string;
  closedAt: string;
  cycleSeconds: number;
  stages: ({ environment: string } & PromotionPhases)[];
}

/**
 * Cycle time from a release's first record to its verification in `environment` (production by default), for the
 * releases verified there in the period, with the phases of every promotion of the release up to then.
 */
export function cycleTimes(
  scope: InsightScope,
  records: readonly PromotionRecord[],
  environment: string,
): CycleTimeRow[] {
  const kept = selected(scope, records);
  const byRelease = groupBy(records, (r) => r.release.uid);
  return kept
    .filter(
      (r) => r.environment === environment && r.verifiedAt !== undefined && inPeriod(scope, r.verifiedAt),
    )
    .map((closing): CycleTimeRow => {
      const closedAt = closing.verifiedAt ?? closing.promotedAt;
      const stages = (byRelease.get(closing.release.uid) ?? [])
        .filter((r) => r.promotedAt <= closedAt)
        .map((r) => ({ environment: r.environment, ...phasesOf(r) }));
      return {
        namespace: closing.release.namespace,
        release: closing.release.name,
        uid: closing.release.uid,
        firstSeenAt: closing.releaseFirstSeenAt,
        closedAt,
        cycleSeconds: secondsBetween(closing.releaseFirstSeenAt, closedAt) ?? 0,
        stages,
      };
    })
    .sort((a, b) => a.closedAt.localeCompare(b.closedAt));
}
