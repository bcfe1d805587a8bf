import { performance } from "node:perf_hooks";
import type { ArrivalWatch } from "./arrival-watch.js";

/** What one timed series measured: per operation its start and its latency (ms), and the whole span. */
export interface TimedRun {
  /** `performance.now()` when each operation started, by index. */
  readonly startedAt: readonly number[];
  /** How long each operation took until its promise settled, by index. */
  readonly latencies: readonly number[];
  /** Wall-clock ms from the first start to the last completion. */
  readonly spanMs: number;
}

/** A timed series of writes and, per write, how long until a watch opened beforehand delivered its ADDED event. */
export interface WriteTimings {
  readonly run: TimedRun;
  readonly toWatch: readonly number[];
}

/**
 * Runs `count` operations, at most `concurrency` at a time (1: strictly one after the other), and times each on
 * the monotonic clock. An operation that throws ends the run with its error: a benchmark of failures measures
 * nothing.
 */
export async function runTimed(
  count: number,
  concurrency: number,
  operation: (index: number) => Promise<void>,
): Promise<TimedRun> {
  const startedAt = new Array<number>(count).fill(0);
  const latencies = new Array<number>(count).fill(0);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const start = performance.now();
      startedAt[index] = start;
      await operation(index);
      latencies[index] = performance.now() - start;
    }
  };
  const begin = performance.now();
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  return { startedAt, latencies, spanMs: performance.now() - begin };
}

/**
 * The time from the start of each operation to the ADDED event of the object it wrote, waiting (bounded) for
 * the events that have not arrived yet.
 */
export async function timesToWatch(
  run: TimedRun,
  watch: ArrivalWatch,
  keys: readonly string[],
): Promise<number[]> {
  await watch.waitForAll(keys);
  return keys.map(
    (key, index) => (watch.arrivedAt(key) ?? Number.NaN) - (run.startedAt[index] ?? Number.NaN),
  );
}
