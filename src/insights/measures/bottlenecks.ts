import { groupOf, inPeriod, selected, type InsightScope } from "./period.js";
import { PHASES, phasesOf, type PhaseName } from "./phases.js";
import type { PromotionRecord } from "./promotions.js";
import { summarise, type DurationSummary } from "./stats.js";

/** How long promotions spent in one phase of one environment (and group), over the period. */
export interface BottleneckRow extends DurationSummary {
  environment: string;
  group: string | undefined;
  phase: PhaseName;
}

/**
 * Where releases wait: for each environment (and group) and phase, the count, median, 90th percentile and total of
 * the promotions that ended in the period, sorted by total time (the largest bottleneck first).
 */
export function bottlenecks(scope: InsightScope, records: readonly PromotionRecord[]): BottleneckRow[] {
  const durations = new Map<string, number[]>();
  for (const record of selected(scope, records)) {
    if (!inPeriod(scope, record.verifiedAt ?? record.failedAt)) continue;
    const phases = phasesOf(record);
    for (const phase of PHASES) {
      const seconds = phases[phase];
      if (seconds === undefined) continue;
      const key = JSON.stringify([record.environment, groupOf(scope, record) ?? null, phase]);
      const into = durations.get(key);
      if (into === undefined) durations.set(key, [seconds]);
      else into.push(seconds);
    }
  }
  return [...durations.entries()]
    .map(([key, values]): BottleneckRow => {
      const [environment, group, phase] = JSON.parse(key) as [string, string | null, PhaseName];
      return { environment, group: group ?? undefined, phase, ...summarise(values) };
    })
    .sort((a, b) => b.totalSeconds - a.totalSeconds || a.environment.localeCompare(b.environment));
}
