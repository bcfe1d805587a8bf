/** The longest delay Node.js timers accept; longer delays would silently fire after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** A scheduled callback that can be cancelled; cancelling a fired or cancelled timer does nothing. */
export interface TimerHandle {
  cancel(): void;
}

/** Options for {@link Clock.setTimer}. */
export interface TimerOptions {
  /** Keep the process alive until the timer fires. Timers are unref'd by default so they never block exit. */
  keepAlive?: boolean;
}

/**
 * The runtime's only source of time, injected so queues, backoff and leader election are testable without real
 * timers. Wall time is for timestamps written to the API; durations are always measured on the monotonic clock.
 */
export interface Clock {
  /** Wall-clock time, for timestamps that leave the process (Lease renewTime, conditions). */
  now(): Date;
  /** Milliseconds on a clock that never jumps backwards; only differences are meaningful. */
  monotonicMs(): number;
  /** Calls `fn` once after `ms` milliseconds (clamped to [0, 2^31-1]). */
  setTimer(ms: number, fn: () => void, options?: TimerOptions): TimerHandle;
}

/** Clamps a delay to what timers accept, treating NaN and negatives as "now". */
export function clampDelayMs(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}

/** The process clock: `Date`, `performance.now()` and unref'd `setTimeout`. */
export const realClock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
  setTimer(ms, fn, options) {
    const timeout = setTimeout(fn, clampDelayMs(ms));
    if (options?.keepAlive !== true) timeout.unref();
    return { cancel: () => clearTimeout(timeout) };
  },
};

/**
 * Waits `ms` on `clock`, returning early when `signal` aborts; it never rejects. Resolves `true` when the full
 * time elapsed and `false` when it was cut short, so loops can pace themselves and still stop at once.
 */
export function waitFor(clock: Clock, ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => {
      timer.cancel();
      resolve(false);
    };
    const timer = clock.setTimer(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
