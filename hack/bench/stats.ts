/** One measured series (latencies in milliseconds) reduced to the quantiles the benchmark reports. */
export interface LatencySummary {
  readonly label: string;
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  /** Operations per second over the series' wall-clock span, when the series measured one. */
  readonly perSecond?: number;
}

/** Raised when a series that a ratio or a row needs holds no samples. */
export class EmptySeriesError extends Error {
  override readonly name = "EmptySeriesError";
}

/** The nearest-rank quantile `q` (0 < q <= 1) of ascending `sorted`: the smallest sample with q of them at or below it. */
function nearestRank(sorted: readonly number[], q: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** Summarises latencies (ms). `spanMs`, when given, is the wall-clock time the whole series took. */
export function summarize(label: string, samples: readonly number[], spanMs?: number): LatencySummary {
  if (samples.length === 0) throw new EmptySeriesError(`The series "${label}" has no samples.`);
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    label,
    count: sorted.length,
    p50: nearestRank(sorted, 0.5),
    p90: nearestRank(sorted, 0.9),
    p99: nearestRank(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    ...(spanMs === undefined || spanMs <= 0 ? {} : { perSecond: (samples.length * 1000) / spanMs }),
  };
}

const ms = (value: number): string => value.toFixed(1);

/** A fixed-width text table of summaries: one row each, quantiles in ms, and the rate when measured. */
export function latencyTable(rows: readonly LatencySummary[]): string {
  const header = ["measurement", "n", "p50 ms", "p90 ms", "p99 ms", "max ms", "ops/s"];
  const cells = rows.map((r) => [
    r.label,
    String(r.count),
    ms(r.p50),
    ms(r.p90),
    ms(r.p99),
    ms(r.max),
    r.perSecond === undefined ? "-" : r.perSecond.toFixed(0),
  ]);
  return textTable(header, cells);
}

/** Pads columns to their widest cell; the first column is left-aligned, the others right-aligned. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => (row[col] ?? "").length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, col) => (col === 0 ? cell.padEnd(widths[col] ?? 0) : cell.padStart(widths[col] ?? 0)))
      .join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}
