// The tables of `make bench-approval`: latency against the raw baseline, the operator's writes per release on the
// path by kind, the writes in sequence before the sync request, the Events on the path, and the goals of issue 12.
import type { ReleasePath } from "./approval-audit.js";
import { latencyTable, textTable, type LatencySummary } from "./stats.js";

/** One timed run of the path and its baseline from the same run. */
export interface PathRun {
  label: string;
  approval: LatencySummary;
  raw: LatencySummary;
  paths: ReleasePath[];
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};
const spread = (values: readonly number[]): string => {
  const m = median(values);
  return `${m} (min ${Math.min(...values)}, max ${Math.max(...values)})`;
};

/** The latencies of a run with the ratios to its baseline. */
export function formatLatency(run: PathRun): string {
  const ratio = (a: number, b: number): string => (a / b).toFixed(1);
  return [
    `${run.label}: approval write -> sync request seen on a watch, against a raw ConfigMap write -> watch`,
    latencyTable([run.raw, run.approval]),
    `ratio to raw write -> watch: p50 ${ratio(run.approval.p50, run.raw.p50)}, p99 ${ratio(run.approval.p99, run.raw.p99)}`,
  ].join("\n");
}

/**
 * Whether the runs show the change's resolution not waiting for the Approval's outcome: in at least one release the
 * resolution was stored before the outcome. Only then is the outcome left out of the writes in sequence; otherwise
 * it is counted, the conservative reading (a run where the outcome always happened to come first counts it too).
 */
export function resolutionIndependent(runs: readonly PathRun[]): boolean {
  return runs.some((r) => r.paths.some((p) => p.resolutionFirst === true));
}

/** The writes in sequence before the sync request (the sync itself not counted). */
export function inSequence(path: ReleasePath, independent: boolean): number {
  return (independent ? path.withoutOutcome : path.beforeSync).length - 1;
}

/** The writes per release by kind, the medians of the totals, and the orders seen before the sync request. */
export function formatWrites(run: PathRun, independent: boolean): string {
  const kinds = [...new Set(run.paths.flatMap((p) => [...p.byKind.keys()]))].sort();
  const rows = kinds.map((kind) => [kind, spread(run.paths.map((p) => p.byKind.get(kind) ?? 0))]);
  const orders = new Map<string, number>();
  for (const p of run.paths) {
    const order = p.beforeSync.map((w) => w.kind).join(" -> ");
    orders.set(order, (orders.get(order) ?? 0) + 1);
  }
  return [
    `${run.label}: the operator's writes per release from the approval on (median, min, max over ${run.paths.length})`,
    textTable(["write", "per release"], rows),
    `object writes ${spread(run.paths.map((p) => p.objectWrites))}; Events ${spread(run.paths.map((p) => p.eventWrites))}; ` +
      `409s ${spread(run.paths.map((p) => p.conflicts))}`,
    `object writes up to and including the sync request: ${spread(run.paths.map((p) => p.beforeSync.length))}`,
    `the change's resolution stored before the Approval's outcome: ` +
      `${run.paths.filter((p) => p.resolutionFirst === true).length} of ${run.paths.length}`,
    `writes in sequence before the sync request (${independent ? "the Approval's outcome left out: in this run the resolution did not wait for it" : "the Approval's outcome counted: no release showed the resolution first"}): ` +
      spread(run.paths.map((p) => inSequence(p, independent))),
    "orders of the writes up to the sync request (by kube-apiserver stageTimestamp), with the median ms after the approval each completed:",
    ...[...orders.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([order, n]) => `  ${n} x ${order}\n      ${offsets(run.paths, order)}`),
  ].join("\n");
}

/** The median completion time after the approval (ms) of each write, over the paths that took `order`. */
function offsets(paths: readonly ReleasePath[], order: string): string {
  const taking = paths.filter((p) => p.beforeSync.map((w) => w.kind).join(" -> ") === order);
  const first = taking[0];
  if (first === undefined) return "";
  return first.beforeSync
    .map((_, i) => median(taking.map((p) => (p.beforeSync[i]?.at ?? Number.NaN) - p.decisionAt)).toFixed(0))
    .join(" -> ");
}

/** Events about the path's objects created after the approval, per release, by kind and reason. */
export function formatEvents(events: Map<string, number>, releases: number): string {
  const rows = [...events.entries()].sort().map(([key, n]) => [key, (n / releases).toFixed(2)]);
  return [
    "Events on the path per release (kind of the object, reason)",
    textTable(["event", "per release"], rows),
  ].join("\n");
}

/** The goals of issue 12 for this path, met or missed, from every run. */
export function formatGoals(runs: readonly PathRun[]): string {
  const all = runs.flatMap((r) => r.paths);
  const chain = Math.max(...all.map((p) => inSequence(p, resolutionIndependent(runs))));
  const upToSync = Math.max(...all.map((p) => p.beforeSync.length));
  const verdict = (ok: boolean): string => (ok ? "met" : "MISSED");
  return [
    "Goals (issue 12, goal 1, last sentence)",
    `  at most 2 writes in sequence before the sync request: worst ${chain} -> ${verdict(chain <= 2)}`,
    `  the approval-to-promotion path within 4 object writes up to the sync request: worst ${upToSync} -> ${verdict(upToSync <= 4)}`,
  ].join("\n");
}
