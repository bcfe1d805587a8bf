import type { Clock } from "../../../src/runtime/clock.js";
import type { LeadershipEndReason } from "../../../src/runtime/leader-election/leader-election-config.js";
import { LeaderElector } from "../../../src/runtime/leader-election/leader-elector.js";
import type { FakeClock } from "../../support/fake-clock.js";
import type { LeaseConnection, MemoryLeaseStore } from "../../support/memory-lease-store.js";

/** One replica in a leader-election test: its elector, its own connection and what it went through, timed. */
export interface Candidate {
  readonly identity: string;
  readonly elector: LeaderElector;
  readonly connection: LeaseConnection;
  readonly stop: AbortController;
  /** Settles when `run` does; never rejects (a rejection is kept in `runError`). */
  readonly finished: Promise<void>;
  readonly startedAtMs: number[];
  readonly stopped: { atMs: number; reason: LeadershipEndReason }[];
  readonly workAbortedAtMs: number[];
  readonly newLeaders: string[];
  readonly errors: unknown[];
  runError: unknown;
}

/** Options for {@link startCandidate}. */
export interface CandidateOptions {
  /** Shifts this replica's wall clock (the timestamps it writes), not its monotonic clock. */
  wallSkewMs?: number;
  /** Replaces the default work, which runs until its signal aborts. */
  work?: (signal: AbortSignal) => Promise<void>;
}

/** A view of `clock` whose wall time is off by `skewMs`, as on a host with a badly set clock. */
function skewedClock(clock: FakeClock, skewMs: number): Clock {
  return {
    now: () => new Date(clock.now().getTime() + skewMs),
    monotonicMs: () => clock.monotonicMs(),
    setTimer: (ms, fn, options) => clock.setTimer(ms, fn, options),
  };
}

/** Starts a candidate with client-go default timings and no jitter, so every attempt time is predictable. */
export function startCandidate(
  store: MemoryLeaseStore,
  clock: FakeClock,
  identity: string,
  options: CandidateOptions = {},
): Candidate {
  const connection = store.connect();
  const stop = new AbortController();
  const work =
    options.work ??
    ((signal: AbortSignal) =>
      new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve())));
  const partial = {
    identity,
    connection,
    stop,
    startedAtMs: [] as number[],
    stopped: [] as { atMs: number; reason: LeadershipEndReason }[],
    workAbortedAtMs: [] as number[],
    newLeaders: [] as string[],
    errors: [] as unknown[],
    runError: undefined as unknown,
  };
  const elector = new LeaderElector({
    identity,
    store: connection,
    clock: skewedClock(clock, options.wallSkewMs ?? 0),
    random: () => 0,
    onStartedLeading: (signal) => {
      partial.startedAtMs.push(clock.monotonicMs());
      signal.addEventListener("abort", () => partial.workAbortedAtMs.push(clock.monotonicMs()));
      return work(signal);
    },
    onStoppedLeading: (reason) => partial.stopped.push({ atMs: clock.monotonicMs(), reason }),
    onNewLeader: (leader) => partial.newLeaders.push(leader),
    onError: (error) => partial.errors.push(error),
  });
  const candidate: Candidate = {
    ...partial,
    elector,
    finished: elector.run(stop.signal).then(
      () => undefined,
      (error: unknown) => {
        candidate.runError = error;
      },
    ),
  };
  return candidate;
}

/**
 * Advances `clock` in steps up to `untilMs`, failing if two candidates lead at once or if a leader is not the
 * lease holder; returns who led at each step.
 */
export async function advanceCheckingOneLeader(
  clock: FakeClock,
  store: MemoryLeaseStore,
  candidates: readonly Candidate[],
  untilMs: number,
  stepMs = 250,
): Promise<void> {
  while (clock.monotonicMs() < untilMs) {
    await clock.advance(Math.min(stepMs, untilMs - clock.monotonicMs()));
    const leaders = candidates.filter((c) => c.elector.isLeader());
    if (leaders.length > 1) {
      throw new SplitBrainError(
        `Two leaders at ${clock.monotonicMs()} ms: ${leaders.map((c) => c.identity).join(", ")}`,
      );
    }
    const holder = store.snapshot()?.record.holderIdentity;
    if (leaders[0] && leaders[0].identity !== holder) {
      throw new SplitBrainError(
        `${leaders[0].identity} leads at ${clock.monotonicMs()} ms but ${holder} holds the lease`,
      );
    }
  }
}

/** Two candidates led at once, or a leader did not hold the lease. */
export class SplitBrainError extends Error {
  override readonly name = "SplitBrainError";
}
