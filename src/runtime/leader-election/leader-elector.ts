import { waitFor } from "../clock.js";
import { runWithDeadline } from "./deadline.js";
import {
  LeaderElectionConfigError,
  resolveLeaderElectionOptions,
  type LeaderElectionOptions,
  type LeadershipEndReason,
  type ResolvedLeaderElectionOptions,
} from "./leader-election-config.js";
import { decideLeaseAction, holderOf, releasedRecord } from "./lease-decision.js";
import { isSameLease, type ObservedLease } from "./lease-store.js";

type AttemptResult = "held" | "heldByOther" | "failed";
type RenewalEnd = { lost: true; reason: LeadershipEndReason } | { lost: false; lastRenewMs: number };

/** Whether `error` is how an aborted operation reports its abort, not a failure of its own. */
function isAbortOf(signal: AbortSignal, error: unknown): boolean {
  return (
    signal.aborted && (error === signal.reason || (error instanceof Error && error.name === "AbortError"))
  );
}

/**
 * Lease-based leader election with client-go semantics, so that at most one replica runs the controllers. A
 * standby takes over only when the lease record has not changed for its lease duration on the standby's own
 * monotonic clock, and only with an update pinned to the resourceVersion it observed; a leader that cannot renew
 * within the renew deadline stops leading at once, and a clean shutdown releases the lease for a fast hand-over.
 */
export class LeaderElector {
  readonly #o: ResolvedLeaderElectionOptions;
  #observed: { lease: ObservedLease; sinceMs: number } | undefined;
  #reportedLeader = "";
  #leading = false;
  #running = false;

  /** Validates the options; throws {@link LeaderElectionConfigError} for unsafe timings. */
  constructor(options: LeaderElectionOptions) {
    this.#o = resolveLeaderElectionOptions(options);
  }

  /** True from `onStartedLeading` until leadership ends. */
  isLeader(): boolean {
    return this.#leading;
  }

  /**
   * Campaigns until leading, leads until `signal` aborts or the lease is lost, and resolves when stopped (after a
   * release on clean shutdown). Rejects with the work's error if `onStartedLeading` failed. Run again to campaign
   * anew; concurrent runs are refused.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.#running) throw new LeaderElectionConfigError("LeaderElector.run() is already running.");
    this.#running = true;
    try {
      const acquiredAtMs = await this.#acquire(signal);
      if (acquiredAtMs !== undefined) await this.#lead(signal, acquiredAtMs);
    } finally {
      this.#running = false;
    }
  }

  async #acquire(signal: AbortSignal): Promise<number | undefined> {
    const { clock, retryPeriodMs, jitterFactor, random, renewDeadlineMs } = this.#o;
    while (!signal.aborted) {
      const startedMs = clock.monotonicMs();
      if ((await this.#attempt(signal, renewDeadlineMs)) === "held") return startedMs;
      const waitMs = retryPeriodMs * (1 + random() * jitterFactor);
      if (!(await waitFor(clock, waitMs, signal))) break;
    }
    return undefined;
  }

  async #lead(signal: AbortSignal, acquiredAtMs: number): Promise<void> {
    const work = new AbortController();
    const stopRenewing = new AbortController();
    let workSettled = false;
    let workFailure: { error: unknown } | undefined;
    const stopRenewingOnceWorkStopped = (): void => {
      if (workSettled && work.signal.aborted) stopRenewing.abort();
    };
    const stopWork = (): void => work.abort(signal.reason);
    work.signal.addEventListener("abort", stopRenewingOnceWorkStopped, { once: true });
    signal.addEventListener("abort", stopWork, { once: true });
    this.#leading = true;
    // Renewal continues while the work drains, so the lease never lapses while leader work still runs.
    const workDone = Promise.resolve()
      .then(() => this.#o.onStartedLeading(work.signal))
      .then(
        () => undefined,
        (error: unknown) => {
          if (!isAbortOf(work.signal, error)) workFailure = { error };
          work.abort(error);
        },
      )
      .then(() => {
        workSettled = true;
        stopRenewingOnceWorkStopped();
      });
    if (signal.aborted) stopWork();
    try {
      const end = await this.#renewUntilStopped(stopRenewing.signal, acquiredAtMs);
      if (end.lost) {
        this.#stopLeading(work, end.reason);
        await workDone;
      } else {
        await workDone;
        await this.#release(end.lastRenewMs);
        this.#stopLeading(work, workFailure && !signal.aborted ? "workFailed" : "released");
      }
    } finally {
      signal.removeEventListener("abort", stopWork);
      this.#leading = false;
      work.abort();
    }
    if (workFailure) throw workFailure.error;
  }

  async #renewUntilStopped(stop: AbortSignal, acquiredAtMs: number): Promise<RenewalEnd> {
    const { clock, retryPeriodMs, renewDeadlineMs } = this.#o;
    let lastRenewMs = acquiredAtMs;
    for (;;) {
      const deadlineMs = lastRenewMs + renewDeadlineMs;
      if (!(await waitFor(clock, Math.min(retryPeriodMs, deadlineMs - clock.monotonicMs()), stop))) {
        return { lost: false, lastRenewMs };
      }
      const startedMs = clock.monotonicMs();
      if (startedMs >= deadlineMs) return { lost: true, reason: "renewDeadlineExceeded" };
      const result = await this.#attempt(stop, deadlineMs - startedMs);
      if (result === "held") lastRenewMs = startedMs;
      if (stop.aborted) return { lost: false, lastRenewMs };
      if (result === "heldByOther") return { lost: true, reason: "leaseTakenOver" };
      if (result === "failed" && clock.monotonicMs() >= deadlineMs) {
        return { lost: true, reason: "renewDeadlineExceeded" };
      }
    }
  }

  /** One acquire-or-renew attempt, abandoned at `timeoutMs` or when `stop` aborts. */
  async #attempt(stop: AbortSignal, timeoutMs: number): Promise<AttemptResult> {
    try {
      return await runWithDeadline(this.#o.clock, timeoutMs, stop, (signal) =>
        this.#tryAcquireOrRenew(signal),
      );
    } catch (error) {
      if (!stop.aborted && !this.#o.isConflict(error)) this.#o.onError?.(error);
      return "failed";
    }
  }

  async #tryAcquireOrRenew(signal: AbortSignal): Promise<AttemptResult> {
    const { clock, store, identity, leaseDurationMs } = this.#o;
    const observed = await store.get(signal);
    signal.throwIfAborted();
    const nowMs = clock.monotonicMs();
    this.#observe(observed, nowMs);
    const decision = decideLeaseAction({
      identity,
      observed,
      observedSinceMs: this.#observed?.sinceMs ?? nowMs,
      nowMs,
      wallNow: clock.now(),
      leaseDurationSeconds: leaseDurationMs / 1000,
    });
    if (decision.kind === "wait") return "heldByOther";
    if (decision.kind === "create") await store.create(decision.record, signal);
    else await store.update(decision.record, decision.resourceVersion, signal);
    signal.throwIfAborted();
    // Our own write has a resourceVersion we do not know; the next read starts a fresh observation.
    this.#observed = undefined;
    this.#reportLeader(identity);
    return "held";
  }

  #observe(lease: ObservedLease | undefined, nowMs: number): void {
    if (!lease) {
      this.#observed = undefined;
      return;
    }
    if (!this.#observed || !isSameLease(this.#observed.lease, lease))
      this.#observed = { lease, sinceMs: nowMs };
    this.#reportLeader(holderOf(lease.record));
  }

  #reportLeader(holder: string): void {
    if (holder === "" || holder === this.#reportedLeader) return;
    this.#reportedLeader = holder;
    this.#o.onNewLeader?.(holder);
  }

  #stopLeading(work: AbortController, reason: LeadershipEndReason): void {
    this.#leading = false;
    work.abort();
    this.#o.onStoppedLeading?.(reason);
  }

  /** Hands the lease over on clean shutdown; only while our last renewal still guarantees we hold it. */
  async #release(lastRenewMs: number): Promise<void> {
    const { clock, store, identity, renewDeadlineMs } = this.#o;
    const remainingMs = lastRenewMs + renewDeadlineMs - clock.monotonicMs();
    if (remainingMs <= 0) return;
    try {
      await runWithDeadline(clock, remainingMs, new AbortController().signal, async (signal) => {
        const observed = await store.get(signal);
        if (!observed || holderOf(observed.record) !== identity) return;
        await store.update(releasedRecord(observed.record, clock.now()), observed.resourceVersion, signal);
      });
      this.#observed = undefined;
    } catch (error) {
      this.#o.onError?.(error);
    }
  }
}
