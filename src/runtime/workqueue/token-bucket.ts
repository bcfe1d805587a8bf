import type { Clock } from "../clock.js";
import type { RateLimiter } from "./rate-limiter.js";

/** Options for {@link TokenBucketRateLimiter}. */
export interface TokenBucketOptions {
  /** Tokens added per second; defaults to 10. */
  perSecond?: number;
  /** Bucket size, the number of retries allowed at once; defaults to 100. */
  burst?: number;
}

/**
 * A global token bucket shared by all keys, with the reservation semantics of golang.org/x/time/rate (as
 * client-go's `BucketRateLimiter`): a retry always gets a slot, and once the burst is spent the slots are spaced
 * 1/perSecond apart. It bounds the overall retry rate against the API server.
 */
export class TokenBucketRateLimiter implements RateLimiter {
  readonly #clock: Clock;
  readonly #perSecond: number;
  readonly #burst: number;
  #tokens: number;
  #lastMs: number;

  constructor(clock: Clock, options: TokenBucketOptions = {}) {
    this.#clock = clock;
    this.#perSecond = options.perSecond ?? 10;
    this.#burst = options.burst ?? 100;
    if (!(this.#perSecond > 0) || !(this.#burst >= 1)) {
      throw new RangeError(
        `Token bucket needs perSecond > 0 and burst >= 1, got ${this.#perSecond}, ${this.#burst}`,
      );
    }
    this.#tokens = this.#burst;
    this.#lastMs = clock.monotonicMs();
  }

  /** Reserves one token and returns how long the caller must wait for it. */
  when(_key: string): number {
    const nowMs = this.#clock.monotonicMs();
    const elapsedMs = Math.max(0, nowMs - this.#lastMs);
    this.#lastMs = nowMs;
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsedMs * this.#perSecond) / 1000);
    this.#tokens -= 1;
    if (this.#tokens >= 0) return 0;
    return Math.ceil((-this.#tokens * 1000) / this.#perSecond);
  }

  /** The bucket keeps no per-key state. */
  forget(_key: string): void {}

  /** The bucket keeps no per-key state. */
  numRequeues(_key: string): number {
    return 0;
  }
}
