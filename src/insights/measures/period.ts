import type { DimensionName } from "../../api/v1alpha1/dimensions.js";
import { selects, type DimensionSelector } from "../selector.js";
import type { PromotionRecord } from "./promotions.js";

/** What a measure covers: a half-open period, a selector over recorded dimensions, and an optional grouping. */
export interface InsightScope {
  since: Date | undefined;
  until: Date | undefined;
  selector: DimensionSelector;
  /** Group rows by this dimension's recorded value besides the environment. */
  by: DimensionName | undefined;
}

/** Whether an RFC 3339 time lies in the scope's period. */
export function inPeriod(scope: InsightScope, time: string | undefined): boolean {
  if (time === undefined) return false;
  const at = Date.parse(time);
  return (
    (scope.since === undefined || at >= scope.since.getTime()) &&
    (scope.until === undefined || at < scope.until.getTime())
  );
}

/** The promotions the selector keeps. */
export function selected(scope: InsightScope, records: readonly PromotionRecord[]): PromotionRecord[] {
  return records.filter((r) => selects(scope.selector, r.dimensions));
}

/** The value a promotion is grouped under: its recorded dimension, or "(none)". */
export function groupOf(scope: InsightScope, record: PromotionRecord): string | undefined {
  if (scope.by === undefined) return undefined;
  return record.dimensions?.[scope.by] ?? "(none)";
}

/** The days a period spans, for rates per day: from --since (or the first time) to --until (or the last). */
export function periodDays(scope: InsightScope, times: readonly string[]): number {
  const sorted = [...times].sort();
  const from = scope.since?.getTime() ?? (sorted[0] === undefined ? undefined : Date.parse(sorted[0]));
  const last = sorted[sorted.length - 1];
  const to = scope.until?.getTime() ?? (last === undefined ? undefined : Date.parse(last));
  if (from === undefined || to === undefined || to <= from) return 1;
  return Math.max((to - from) / 86_400_000, 1 / 24);
}
