import type { Clock } from "../clock.js";
import { TokenBucketRateLimiter } from "./token-bucket.js";

/**
 * Decides how long a key waits before it is retried, as client-go's `workqueue.TypedRateLimiter`. `when` records
 * a failure and returns the delay; `forget` clears a key's history once it has been handled.
 */
export interface RateLimiter {
  /** Records one more retry of `key` and returns how many milliseconds it should wait. */
  when(key: string): number;
  /** Clears the retry history of `key`, so its next failure starts again at the base delay. */
  forget(key: string): void;
  /** How many times `key` has been retried since it was last forgotten. */
  numRequeues(key: string): number;
}

/** Options for {@link ItemExponentialRateLimiter}. */
export interface ExponentialBackoffOptions {
  /** Delay after the first failure; defaults to 5 ms. */
  baseDelayMs?: number;
  /** Upper bound of the delay; defaults to 1000 s. */
  maxDelayMs?: number;
}

/**
 * Per-key exponential backoff (base, 2·base, 4·base … capped at max), so one key failing forever backs off alone
 * and never delays other keys.
 */
export class ItemExponentialRateLimiter implements RateLimiter {
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #failures = new Map<string, number>();

  constructor(options: ExponentialBackoffOptions = {}) {
    this.#baseDelayMs = options.baseDelayMs ?? 5;
    this.#maxDelayMs = options.maxDelayMs ?? 1_000_000;
    if (!(this.#baseDelayMs > 0) || !(this.#maxDelayMs >= this.#baseDelayMs)) {
      throw new RangeError(
        `Backoff needs 0 < baseDelayMs <= maxDelayMs, got ${this.#baseDelayMs} and ${this.#maxDelayMs}`,
      );
    }
  }

  when(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const delay = this.#baseDelayMs * 2 ** failures;
    return Number.isFinite(delay) ? Math.min(delay, this.#maxDelayMs) : this.#maxDelayMs;
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }
}

/**
 * Combines limiters by taking the longest delay, as client-go's `MaxOfRateLimiter`: every limiter records
 * every retry, so a per-key backoff and a global bucket both hold.
 */
export function maxOf(...limiters: readonly RateLimiter[]): RateLimiter {
  if (limiters.length === 0) throw new RangeError("maxOf needs at least one rate limiter");
  return {
    when: (key) => Math.max(...limiters.map((limiter) => limiter.when(key))),
    forget: (key) => limiters.forEach((limiter) => limiter.forget(key)),
    numRequeues: (key) => Math.max(...limiters.map((limiter) => limiter.numRequeues(key))),
  };
}

/**
 * The default controller rate limiter of client-go and controller-runtime: per-key backoff 5 ms → 1000 s,
 * combined with an overall token bucket of 10 retries per second and a burst of 100.
 */
export function createControllerRateLimiter(clock: Clock): RateLimiter {
  return maxOf(
    new ItemExponentialRateLimiter({ baseDelayMs: 5, maxDelayMs: 1_000_000 }),
    new TokenBucketRateLimiter(clock, { perSecond: 10, burst: 100 }),
  );
}
