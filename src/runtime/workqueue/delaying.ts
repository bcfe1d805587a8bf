import type { Clock, TimerHandle } from "../clock.js";

interface Pending {
  readonly readyAtMs: number;
  readonly timer: TimerHandle;
}

/**
 * Holds keys that should be added to a queue later, as client-go's delaying queue: at most one pending deadline
 * per key, and an earlier deadline replaces a later one while a later one never postpones an earlier one.
 */
export class DelayedAdds {
  readonly #clock: Clock;
  readonly #release: (key: string) => void;
  readonly #pending = new Map<string, Pending>();

  /** `release` is called with each key once its deadline has passed. */
  constructor(clock: Clock, release: (key: string) => void) {
    this.#clock = clock;
    this.#release = release;
  }

  /** Schedules `key` to be released after `ms`, unless it is already due sooner. */
  schedule(key: string, ms: number): void {
    const readyAtMs = this.#clock.monotonicMs() + ms;
    const existing = this.#pending.get(key);
    if (existing && existing.readyAtMs <= readyAtMs) return;
    existing?.timer.cancel();
    const timer = this.#clock.setTimer(ms, () => {
      this.#pending.delete(key);
      this.#release(key);
    });
    this.#pending.set(key, { readyAtMs, timer });
  }

  /** Number of keys waiting for their deadline. */
  size(): number {
    return this.#pending.size;
  }

  /** Drops every pending key and its timer; used at shutdown. */
  clear(): void {
    for (const { timer } of this.#pending.values()) timer.cancel();
    this.#pending.clear();
  }
}
