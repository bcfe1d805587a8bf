/** Summary statistics of durations in seconds: how many, the median, the 90th percentile and the total. */
export interface DurationSummary {
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
  totalSeconds: number;
}

/** The q-quantile (0..1) of sorted values by the nearest-rank method; null for none. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

/** Summarises durations (seconds), ignoring negative ones (a clock step between replicas). */
export function summarise(durations: readonly number[]): DurationSummary {
  const sorted = durations.filter((d) => d >= 0).sort((a, b) => a - b);
  return {
    count: sorted.length,
    medianSeconds: quantile(sorted, 0.5),
    p90Seconds: quantile(sorted, 0.9),
    totalSeconds: sorted.reduce((sum, d) => sum + d, 0),
  };
}

/** Seconds from one RFC 3339 time to another, or undefined when either is missing. */
export function secondsBetween(from: string | undefined, to: string | undefined): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  return (Date.parse(to) - Date.parse(from)) / 1000;
}
