import { groupOf, inPeriod, selected, type InsightScope } from "./period.js";
import { GATE_PARTS, gateSplit, type GatePart } from "./gate-split.js";
import { PHASES, phasesOf, type PhaseName } from "./phases.js";
import type { PromotionRecord } from "./promotions.js";
import { summarise, type DurationSummary } from "./stats.js";

/** How long promotions spent in one phase of one environment (and group), over the period. */
export interface BottleneckRow extends DurationSummary {
  environment: string;
  group: string | undefined;
  phase: PhaseName;
  /**
   * The gate row only: its wait split by what the gate waited on (ADR 0053), each part summarised over the
   * promotions that spent time in it; `unexplained` is the wait no record explains. Parts add up to the total.
   */
  gateSplit?: Partial<Record<GatePart, DurationSummary>>;
  /** The gate row only: the part with the largest total, where releases wait longest at this gate. */
  longestWait?: GatePart;
}

/**
 * Where releases wait: for each environment (and group) and phase, the count, median, 90th percentile and total of
 * the promotions that ended in the period, sorted by total time (the largest bottleneck first). The gate phase is
 * split by category from the recorded gate-wait changes.
 */
export function bottlenecks(scope: InsightScope, records: readonly PromotionRecord[]): BottleneckRow[] {
  const durations = new Map<string, number[]>();
  const splits = new Map<string, Map<GatePart, number[]>>();
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
      if (phase !== "gate") continue;
      const parts = splits.get(key) ?? new Map<GatePart, number[]>();
      splits.set(key, parts);
      for (const [part, value] of Object.entries(gateSplit(record) ?? {}) as [GatePart, number][]) {
        parts.set(part, [...(parts.get(part) ?? []), value]);
      }
    }
  }
  return [...durations.entries()]
    .map(([key, values]): BottleneckRow => {
      const [environment, group, phase] = JSON.parse(key) as [string, string | null, PhaseName];
      const row: BottleneckRow = { environment, group: group ?? undefined, phase, ...summarise(values) };
      const parts = splits.get(key);
      if (parts === undefined) return row;
      const split: Partial<Record<GatePart, DurationSummary>> = {};
      for (const part of GATE_PARTS) {
        const spent = parts.get(part);
        if (spent !== undefined) split[part] = summarise(spent);
      }
      const longest = GATE_PARTS.filter((p) => split[p] !== undefined).sort(
        (a, b) => (split[b]?.totalSeconds ?? 0) - (split[a]?.totalSeconds ?? 0),
      )[0];
      return { ...row, gateSplit: split, ...(longest === undefined ? {} : { longestWait: longest }) };
    })
    .sort((a, b) => b.totalSeconds - a.totalSeconds || a.environment.localeCompare(b.environment));
}
