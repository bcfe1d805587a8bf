import type { WorkQueue } from "./workqueue/workqueue.js";

/**
 * What handling a key concluded, and therefore what happens to the key next: `done` forgets its retries,
 * `requeueAfter` forgets them and looks again after `ms`, `retry` backs off per key, `terminal` gives up until
 * the key is added again (bad user input that a retry cannot fix).
 */
export type Outcome =
  | { readonly kind: "done" }
  | { readonly kind: "requeueAfter"; readonly ms: number }
  | { readonly kind: "retry"; readonly error: unknown }
  | { readonly kind: "terminal"; readonly error: unknown };

/** Handles one key; `signal` aborts when the pool is asked to stop. A rejection counts as a `retry`. */
export type KeyHandler = (key: string, signal: AbortSignal) => Promise<Outcome>;

/** Options for {@link runWorkers}. */
export interface RunWorkersOptions {
  queue: WorkQueue;
  /** Number of keys handled concurrently; at least 1. */
  workers: number;
  handle: KeyHandler;
  /** Aborting it shuts the queue down; workers finish their current key and stop. */
  signal?: AbortSignal;
}

/**
 * Runs `workers` concurrent loops that take keys from `queue`, handle them and apply the outcome, until the
 * queue shuts down. Resolves once every worker has finished its current key; a handler error never stops a
 * worker, and a key that keeps failing waits out its backoff in the queue, not in a worker.
 */
export async function runWorkers(options: RunWorkersOptions): Promise<void> {
  const { queue, workers, handle } = options;
  if (!Number.isInteger(workers) || workers < 1) {
    throw new RangeError(`runWorkers needs a whole number of workers >= 1, got ${workers}`);
  }
  const signal = options.signal ?? new AbortController().signal;
  const stop = (): void => queue.shutDown();
  signal.addEventListener("abort", stop, { once: true });
  if (signal.aborted) stop();
  try {
    await Promise.all(Array.from({ length: workers }, () => runWorker(queue, handle, signal)));
  } finally {
    signal.removeEventListener("abort", stop);
  }
}

/**
 * How many keys a worker handles before it lets timers and I/O run. A key waiting in the queue is handed out at
 * once, and a pass that only reads the caches does no I/O: without this, a queue of 10,000 such keys is one
 * stretch of promise continuations during which no timer fires (the Lease renewal's included) and no watch event
 * or API answer is read.
 */
export const KEYS_PER_TURN = 64;

async function runWorker(queue: WorkQueue, handle: KeyHandler, signal: AbortSignal): Promise<void> {
  let handledThisTurn = 0;
  for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
    try {
      applyOutcome(queue, key, await handleSafely(handle, key, signal));
    } finally {
      queue.done(key);
    }
    if (++handledThisTurn >= KEYS_PER_TURN) {
      handledThisTurn = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

async function handleSafely(handle: KeyHandler, key: string, signal: AbortSignal): Promise<Outcome> {
  try {
    return await handle(key, signal);
  } catch (error) {
    return { kind: "retry", error };
  }
}

function applyOutcome(queue: WorkQueue, key: string, outcome: Outcome): void {
  switch (outcome.kind) {
    case "done":
    case "terminal":
      queue.forget(key);
      return;
    case "requeueAfter":
      queue.forget(key);
      queue.addAfter(key, outcome.ms);
      return;
    case "retry":
      queue.addRateLimited(key);
      return;
  }
}
