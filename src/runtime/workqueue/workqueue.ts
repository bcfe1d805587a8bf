import { realClock, type Clock, type TimerHandle } from "../clock.js";
import { DelayedAdds } from "./delaying.js";
import type { WorkqueueMetrics } from "./metrics.js";
import { createControllerRateLimiter, type RateLimiter } from "./rate-limiter.js";

/** How often the in-progress gauges are refreshed, as client-go's `updateUnfinishedWorkLoop`. */
const UNFINISHED_WORK_PERIOD_MS = 500;

/**
 * How urgently a key is wanted. `low` is for keys nobody is waiting on yet: objects the controller has not started
 * on (a burst of creates, the full list at start-up, a periodic resync). `normal` is everything else: an object in
 * flight whose own writes, children or delivery tools moved, a deletion, a timed re-check. A worker always takes a
 * `normal` key first, so work already started finishes before new work begins (ADR 0036).
 */
export type Priority = "normal" | "low";

/** Options for {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** The `name` label of the queue's metrics, usually the controller name. */
  name: string;
  /** Defaults to the real clock. */
  clock?: Clock;
  /** Defaults to {@link createControllerRateLimiter}. */
  rateLimiter?: RateLimiter;
  /** Receives the `workqueue_*` measurements; nothing is measured without it. */
  metrics?: WorkqueueMetrics;
}

/**
 * A rate-limited, delaying queue of object keys with client-go semantics: a key waits at most once however often
 * it is added, is never handed to two workers at once, and a key added while being processed is handed out again
 * after `done`. After shutdown, `get` resolves `undefined` and keys still waiting are dropped (a level-triggered
 * controller lists everything again when it starts).
 */
export class WorkQueue {
  readonly name: string;
  readonly #clock: Clock;
  readonly #rateLimiter: RateLimiter;
  readonly #metrics: WorkqueueMetrics | undefined;
  readonly #delayed: DelayedAdds;
  /** Keys ready for a worker, in arrival order; each key at most once, in at most one of the two lanes. */
  readonly #ready = new Set<string>();
  /** Ready keys of {@link Priority} `low`, handed out only while {@link WorkQueue.#ready} is empty. */
  readonly #readyLow = new Set<string>();
  /** Keys that need processing: ready ones and processing ones added again. */
  readonly #dirty = new Set<string>();
  /** Keys held by a worker, with the monotonic time they were handed out. */
  readonly #processing = new Map<string, number>();
  readonly #addedAtMs = new Map<string, number>();
  readonly #getters: ((key: string | undefined) => void)[] = [];
  readonly #drainers: (() => void)[] = [];
  #shuttingDown = false;
  #metricsTimer: TimerHandle | undefined;

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.#clock = options.clock ?? realClock;
    this.#rateLimiter = options.rateLimiter ?? createControllerRateLimiter(this.#clock);
    this.#metrics = options.metrics;
    this.#delayed = new DelayedAdds(this.#clock, (key) => this.add(key));
    if (this.#metrics) this.#scheduleUnfinishedWorkReport();
  }

  /**
   * Marks `key` as needing processing; a key already waiting is not added twice, but a `low` key waiting is moved
   * to the `normal` lane when it is added again as `normal`. A key added while it is processed is handed out again
   * after `done`, as `normal` (it is in flight). Ignored after shutdown.
   */
  add(key: string, priority: Priority = "normal"): void {
    if (this.#shuttingDown) return;
    if (this.#dirty.has(key)) {
      if (priority === "normal" && this.#readyLow.delete(key)) this.#ready.add(key);
      return;
    }
    this.#dirty.add(key);
    this.#metrics?.added(this.name);
    if (!this.#addedAtMs.has(key)) this.#addedAtMs.set(key, this.#clock.monotonicMs());
    if (this.#processing.has(key)) return;
    (priority === "low" ? this.#readyLow : this.#ready).add(key);
    this.#handOut();
  }

  /** Adds `key` after `ms`; an earlier pending deadline for the key wins, a later one does not postpone it. */
  addAfter(key: string, ms: number): void {
    if (this.#shuttingDown) return;
    this.#metrics?.retried(this.name);
    if (ms <= 0) this.add(key);
    else this.#delayed.schedule(key, ms);
  }

  /** Adds `key` after the delay its rate limiter assigns to one more retry. */
  addRateLimited(key: string): void {
    if (this.#shuttingDown) return;
    this.addAfter(key, this.#rateLimiter.when(key));
  }

  /** Resets the retry history of `key`; call it once the key was handled successfully or given up. */
  forget(key: string): void {
    this.#rateLimiter.forget(key);
  }

  /** How many rate-limited retries `key` has had since it was last forgotten. */
  numRequeues(key: string): number {
    return this.#rateLimiter.numRequeues(key);
  }

  /** Resolves with the next ready key, waiting if none is ready, or `undefined` once the queue shuts down. */
  get(): Promise<string | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    const key = this.#takeReady();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Releases `key` after processing; if it was added meanwhile it becomes ready again. */
  done(key: string): void {
    const startedMs = this.#processing.get(key);
    if (startedMs === undefined) return;
    this.#processing.delete(key);
    this.#metrics?.workDuration(this.name, (this.#clock.monotonicMs() - startedMs) / 1000);
    if (this.#shuttingDown) {
      if (this.#processing.size === 0) this.#drainers.splice(0).forEach((resolve) => resolve());
      return;
    }
    if (this.#dirty.has(key)) {
      this.#ready.add(key);
      this.#handOut();
    }
  }

  /** Number of keys ready for a worker, in both lanes (not counting delayed or in-process keys). */
  len(): number {
    return this.#ready.size + this.#readyLow.size;
  }

  /** Whether {@link WorkQueue.shutDown} has been called. */
  isShuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Stops accepting keys, drops waiting and delayed keys, and wakes every waiting `get` with `undefined`. */
  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    this.#delayed.clear();
    this.#metricsTimer?.cancel();
    this.#ready.clear();
    this.#readyLow.clear();
    this.#dirty.clear();
    this.#addedAtMs.clear();
    this.#metrics?.depth(this.name, 0);
    this.#getters.splice(0).forEach((resolve) => resolve(undefined));
  }

  /** Shuts down, then resolves once every key currently being processed is `done`. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainers.push(resolve));
  }

  #handOut(): void {
    while (this.#getters.length > 0 && this.len() > 0) {
      const getter = this.#getters.shift();
      const key = this.#takeReady();
      if (getter && key !== undefined) getter(key);
    }
    this.#metrics?.depth(this.name, this.len());
  }

  #takeReady(): string | undefined {
    const lane = this.#ready.size > 0 ? this.#ready : this.#readyLow;
    for (const key of lane) {
      const nowMs = this.#clock.monotonicMs();
      lane.delete(key);
      this.#dirty.delete(key);
      this.#processing.set(key, nowMs);
      const addedMs = this.#addedAtMs.get(key);
      this.#addedAtMs.delete(key);
      if (this.#metrics) {
        if (addedMs !== undefined) this.#metrics.queueLatency(this.name, (nowMs - addedMs) / 1000);
        this.#metrics.depth(this.name, this.len());
      }
      return key;
    }
    return undefined;
  }

  #scheduleUnfinishedWorkReport(): void {
    this.#metricsTimer = this.#clock.setTimer(UNFINISHED_WORK_PERIOD_MS, () => {
      if (this.#shuttingDown || !this.#metrics) return;
      const nowMs = this.#clock.monotonicMs();
      let totalMs = 0;
      let longestMs = 0;
      for (const startedMs of this.#processing.values()) {
        totalMs += nowMs - startedMs;
        longestMs = Math.max(longestMs, nowMs - startedMs);
      }
      this.#metrics.unfinishedWorkSeconds(this.name, totalMs / 1000);
      this.#metrics.longestRunningProcessorSeconds(this.name, longestMs / 1000);
      this.#scheduleUnfinishedWorkReport();
    });
  }
}
