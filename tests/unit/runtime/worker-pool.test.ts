import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { waitFor } from "../../../src/runtime/clock.js";
import { KEYS_PER_TURN, runWorkers, type Outcome } from "../../../src/runtime/worker-pool.js";
import { WorkQueue } from "../../../src/runtime/workqueue/workqueue.js";
import { FakeClock } from "../../support/fake-clock.js";

const DONE: Outcome = { kind: "done" };
const RETRY: Outcome = { kind: "retry", error: new Error("Reconcile failed") };

function setUp(): { clock: FakeClock; queue: WorkQueue; stop: AbortController } {
  const clock = new FakeClock();
  return { clock, queue: new WorkQueue({ name: "pool", clock }), stop: new AbortController() };
}

describe("runWorkers", () => {
  // Each row: the handler fails twice (retries at 0, 5 and 15 ms), then answers `third`, then `done`.
  const outcomeCases: {
    name: string;
    third: Outcome | "throw";
    callsAtMs: number[];
    requeuesAfter: number;
  }[] = [
    { name: "done forgets the key's retries", third: DONE, callsAtMs: [0, 5, 15], requeuesAfter: 0 },
    {
      name: "requeueAfter forgets and comes back after ms",
      third: { kind: "requeueAfter", ms: 1000 },
      callsAtMs: [0, 5, 15, 1015],
      requeuesAfter: 0,
    },
    { name: "retry backs off once more", third: RETRY, callsAtMs: [0, 5, 15, 35], requeuesAfter: 3 },
    {
      name: "a rejected handler counts as retry",
      third: "throw",
      callsAtMs: [0, 5, 15, 35],
      requeuesAfter: 3,
    },
    {
      name: "terminal forgets and never retries",
      third: { kind: "terminal", error: new Error("spec.stages is empty") },
      callsAtMs: [0, 5, 15],
      requeuesAfter: 0,
    },
  ];
  for (const row of outcomeCases) {
    it(row.name, async () => {
      const { clock, queue, stop } = setUp();
      const callsAtMs: number[] = [];
      const handle = (): Promise<Outcome> => {
        callsAtMs.push(clock.monotonicMs());
        const answer = callsAtMs.length <= 2 ? RETRY : callsAtMs.length === 3 ? row.third : DONE;
        return answer === "throw" ? Promise.reject(new Error("Unexpected failure")) : Promise.resolve(answer);
      };
      const pool = runWorkers({ queue, workers: 2, handle, signal: stop.signal });
      queue.add("ns/a");
      await clock.advance(16);
      assert.equal(queue.numRequeues("ns/a"), row.requeuesAfter);
      await clock.advance(60_000);
      assert.deepEqual(callsAtMs, row.callsAtMs);
      stop.abort();
      await pool;
    });
  }

  it("never runs one key on two workers at once, and runs it again if it changed meanwhile", async () => {
    const { clock, queue, stop } = setUp();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const handle = async (): Promise<Outcome> => {
      running += 1;
      runs += 1;
      maxRunning = Math.max(maxRunning, running);
      await waitFor(clock, 100);
      running -= 1;
      return DONE;
    };
    const pool = runWorkers({ queue, workers: 4, handle, signal: stop.signal });
    queue.add("ns/a");
    await clock.advance(10);
    for (let i = 0; i < 5; i += 1) queue.add("ns/a");
    await clock.advance(1000);
    assert.equal(maxRunning, 1);
    assert.equal(runs, 2, "five adds during the first run became exactly one more run");
    stop.abort();
    await pool;
  });

  it("keeps 50 healthy keys flowing while one key fails forever", async () => {
    const { clock, queue, stop } = setUp();
    const healthyDoneAtMs = new Map<string, number>();
    let failures = 0;
    const handle = (key: string): Promise<Outcome> => {
      if (key === "ns/broken") {
        failures += 1;
        return Promise.resolve(RETRY);
      }
      healthyDoneAtMs.set(key, clock.monotonicMs());
      return Promise.resolve(DONE);
    };
    const pool = runWorkers({ queue, workers: 2, handle, signal: stop.signal });
    queue.add("ns/broken");
    for (let i = 0; i < 50; i += 1) queue.add(`ns/healthy-${i}`);
    await clock.settle();
    assert.equal(healthyDoneAtMs.size, 50);
    assert.ok(
      [...healthyDoneAtMs.values()].every((ms) => ms === 0),
      "no healthy key waited",
    );
    await clock.advance(1000);
    assert.equal(failures, 8, "attempts at 0, 5, 15, 35, 75, 155, 315 and 635 ms");
    for (let i = 0; i < 50; i += 1) queue.add(`ns/healthy-${i}`);
    await clock.settle();
    assert.ok(
      [...healthyDoneAtMs.values()].every((ms) => ms === 1000),
      "new events are handled at once",
    );
    stop.abort();
    await pool;
  });

  it("stops on abort only after every worker has finished its current key", async () => {
    const { clock, queue, stop } = setUp();
    const finished: string[] = [];
    const handle = async (key: string, signal: AbortSignal): Promise<Outcome> => {
      await waitFor(clock, key === "ns/slow" ? 500 : 10);
      finished.push(`${key}${signal.aborted ? " (after abort)" : ""}`);
      return DONE;
    };
    let resolved = false;
    const pool = runWorkers({ queue, workers: 3, handle, signal: stop.signal }).then(() => (resolved = true));
    queue.add("ns/slow");
    queue.add("ns/fast");
    queue.add("ns/queued-1");
    queue.add("ns/queued-2");
    queue.add("ns/queued-3");
    await clock.advance(5);
    stop.abort();
    await clock.advance(100);
    assert.equal(resolved, false, "ns/slow is still being handled");
    assert.deepEqual(finished, ["ns/fast (after abort)", "ns/queued-1 (after abort)"]);
    await clock.advance(400);
    await pool;
    assert.deepEqual(finished.at(-1), "ns/slow (after abort)");
    assert.equal(queue.isShuttingDown(), true);
  });

  it("lets timers and I/O run between keys while a long queue of passes that do no I/O is handled", async () => {
    // The real event loop: a callback queued behind 1,000 cache-only passes (as a Lease renewal is) runs between them.
    const queue = new WorkQueue({ name: "turns" });
    const stop = new AbortController();
    for (let i = 0; i < 1000; i += 1) queue.add(`ns/k${i}`);
    let handled = 0;
    let handledWhenCallbackRan: number | undefined;
    setImmediate(() => (handledWhenCallbackRan = handled));
    const handle = (): Promise<Outcome> => {
      handled += 1;
      if (handled === 1000) stop.abort();
      return Promise.resolve(DONE);
    };
    await runWorkers({ queue, workers: 2, handle, signal: stop.signal });
    assert.equal(handled, 1000);
    assert.ok(handledWhenCallbackRan !== undefined, "the callback ran before the last key was handled");
    assert.ok(
      handledWhenCallbackRan <= 2 * KEYS_PER_TURN,
      `each of the 2 workers yields after ${KEYS_PER_TURN} keys; the callback ran after ${handledWhenCallbackRan}`,
    );
  });

  it("refuses a worker count below one", async () => {
    const { queue } = setUp();
    await assert.rejects(runWorkers({ queue, workers: 0, handle: () => Promise.resolve(DONE) }), RangeError);
  });
});
