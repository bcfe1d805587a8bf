import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { WorkqueueMetrics } from "../../../src/runtime/workqueue/metrics.js";
import { WorkQueue } from "../../../src/runtime/workqueue/workqueue.js";
import { FakeClock } from "../../support/fake-clock.js";

function newQueue(clock = new FakeClock(), metrics?: WorkqueueMetrics): WorkQueue {
  return new WorkQueue({ name: "test", clock, ...(metrics ? { metrics } : {}) });
}

/** Takes every ready key without waiting, marking each as processing. */
async function takeReady(queue: WorkQueue): Promise<string[]> {
  const keys: string[] = [];
  while (queue.len() > 0) {
    const key = await queue.get();
    if (key !== undefined) keys.push(key);
  }
  return keys;
}

describe("WorkQueue", () => {
  it("hands out N adds of a waiting key once, in first-added order", async () => {
    const queue = newQueue();
    for (const key of ["ns/a", "ns/b", "ns/a", "ns/c", "ns/b", "ns/a"]) queue.add(key);
    assert.equal(queue.len(), 3);
    assert.deepEqual(await takeReady(queue), ["ns/a", "ns/b", "ns/c"]);
  });

  it("hands out every normal key before any low one, each lane in arrival order", async () => {
    const queue = newQueue();
    queue.add("ns/new-1", "low");
    queue.add("ns/new-2", "low");
    queue.add("ns/flight-1");
    queue.add("ns/new-3", "low");
    queue.add("ns/flight-2", "normal");
    assert.equal(queue.len(), 5);
    assert.deepEqual(await takeReady(queue), [
      "ns/flight-1",
      "ns/flight-2",
      "ns/new-1",
      "ns/new-2",
      "ns/new-3",
    ]);
  });

  it("moves a waiting low key to the normal lane when it is added as normal, and never demotes one", async () => {
    const queue = newQueue();
    for (const key of ["ns/a", "ns/b", "ns/c"]) queue.add(key, "low");
    queue.add("ns/x");
    queue.add("ns/c");
    queue.add("ns/x", "low");
    assert.equal(queue.len(), 4, "a promoted key is still one key");
    assert.deepEqual(await takeReady(queue), ["ns/x", "ns/c", "ns/a", "ns/b"]);
  });

  it("hands a low key added while it is processed out again as normal: it is in flight", async () => {
    const queue = newQueue();
    queue.add("ns/started", "low");
    queue.add("ns/waiting", "low");
    assert.equal(await queue.get(), "ns/started");
    queue.add("ns/started", "low");
    queue.done("ns/started");
    assert.deepEqual(await takeReady(queue), ["ns/started", "ns/waiting"]);
  });

  it("never hands a key being processed to a second getter, and requeues it once on done", async () => {
    const queue = newQueue();
    queue.add("ns/a");
    assert.equal(await queue.get(), "ns/a");
    queue.add("ns/a");
    queue.add("ns/a");
    assert.equal(queue.len(), 0, "a key being processed is only marked dirty");
    let second: string | undefined = "not yet";
    const waiting = queue.get().then((key) => (second = key));
    await new FakeClock().settle();
    assert.equal(second, "not yet");
    queue.done("ns/a");
    await waiting;
    assert.equal(second, "ns/a");
    queue.done("ns/a");
    assert.equal(queue.len(), 0, "the two adds while processing became one more run");
  });

  it("does not requeue a processed key that was not added again", async () => {
    const queue = newQueue();
    queue.add("ns/a");
    queue.done((await queue.get()) ?? "");
    assert.equal(queue.len(), 0);
  });

  it("wakes waiting getters in arrival order as keys arrive", async () => {
    const queue = newQueue();
    const first = queue.get();
    const second = queue.get();
    queue.add("ns/a");
    queue.add("ns/b");
    assert.deepEqual(await Promise.all([first, second]), ["ns/a", "ns/b"]);
  });

  const addAfterCases: { name: string; adds: [string, number][]; expect: [number, string[]][] }[] = [
    {
      name: "releases keys in deadline order",
      adds: [
        ["c", 300],
        ["a", 100],
        ["b", 200],
      ],
      expect: [
        [99, []],
        [100, ["a"]],
        [200, ["a", "b"]],
        [300, ["a", "b", "c"]],
      ],
    },
    {
      name: "lets an earlier deadline for the same key win",
      adds: [
        ["a", 500],
        ["a", 100],
      ],
      expect: [
        [100, ["a"]],
        [1000, ["a"]],
      ],
    },
    {
      name: "does not postpone a key by a later deadline",
      adds: [
        ["a", 100],
        ["a", 500],
      ],
      expect: [
        [100, ["a"]],
        [1000, ["a"]],
      ],
    },
    {
      name: "adds at once for a zero or negative delay",
      adds: [
        ["a", 0],
        ["b", -5],
      ],
      expect: [[0, ["a", "b"]]],
    },
  ];
  for (const row of addAfterCases) {
    it(`addAfter ${row.name}`, async () => {
      const clock = new FakeClock();
      const queue = newQueue(clock);
      const handedOut: string[] = [];
      for (const [key, ms] of row.adds) queue.addAfter(key, ms);
      for (const [atMs, expected] of row.expect) {
        await clock.advance(atMs - clock.monotonicMs());
        for (const key of await takeReady(queue)) {
          handedOut.push(key);
          queue.done(key);
        }
        assert.deepEqual(handedOut, expected, `at ${atMs} ms`);
      }
    });
  }

  it("limits 200 rate-limited adds to 100 at once, then 10 per second", async () => {
    const clock = new FakeClock();
    const queue = newQueue(clock);
    for (let i = 0; i < 200; i += 1) queue.addRateLimited(`ns/key-${i}`);
    await clock.advance(5);
    assert.equal(queue.len(), 100, "the burst waits only the 5 ms per-key base delay");
    await clock.advance(95);
    assert.equal(queue.len(), 101);
    await clock.advance(900);
    assert.equal(queue.len(), 110);
    await clock.advance(5000);
    assert.equal(queue.len(), 160);
    await clock.advance(4000);
    assert.equal(queue.len(), 200);
  });

  it("backs a retried key off 5 ms, 10 ms, 20 ms and forgets on request", async () => {
    const clock = new FakeClock();
    const queue = newQueue(clock);
    const readyAt: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      queue.addRateLimited("ns/a");
      while (queue.len() === 0) await clock.advance(1);
      readyAt.push(clock.monotonicMs());
      queue.done((await queue.get()) ?? "");
    }
    assert.deepEqual(readyAt, [5, 15, 35]);
    assert.equal(queue.numRequeues("ns/a"), 3);
    queue.forget("ns/a");
    assert.equal(queue.numRequeues("ns/a"), 0);
  });

  it("wakes every waiting getter with undefined on shutdown and refuses new keys", async () => {
    const clock = new FakeClock();
    const queue = newQueue(clock);
    const getters = [queue.get(), queue.get(), queue.get()];
    queue.addAfter("ns/later", 50);
    queue.shutDown();
    assert.deepEqual(await Promise.all(getters), [undefined, undefined, undefined]);
    queue.add("ns/a");
    await clock.advance(100);
    assert.equal(queue.len(), 0);
    assert.equal(await queue.get(), undefined);
    assert.equal(clock.pendingTimers(), 0, "delayed keys were dropped with their timers");
  });

  it("drains: shutDownWithDrain resolves only after in-flight keys are done", async () => {
    const queue = newQueue();
    queue.add("ns/a");
    queue.add("ns/b");
    const [a, b] = [await queue.get(), await queue.get()];
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => (drained = true));
    queue.done(a ?? "");
    await new FakeClock().settle();
    assert.equal(drained, false, "ns/b is still being processed");
    queue.done(b ?? "");
    await drain;
    assert.equal(drained, true);
  });

  it("reports adds, depth, latencies, retries and unfinished work to the metrics hooks", async () => {
    const clock = new FakeClock();
    const seen: Record<string, number[]> = {};
    const record =
      (metric: string) =>
      (name: string, value = 1) => {
        assert.equal(name, "test");
        (seen[metric] ??= []).push(value);
      };
    const queue = newQueue(clock, {
      added: record("added"),
      depth: record("depth"),
      queueLatency: record("queueLatency"),
      workDuration: record("workDuration"),
      retried: record("retried"),
      unfinishedWorkSeconds: record("unfinished"),
      longestRunningProcessorSeconds: record("longest"),
    });
    queue.add("ns/a");
    queue.add("ns/a");
    queue.add("ns/b");
    await clock.advance(2000);
    const key = await queue.get();
    await clock.advance(1000);
    queue.done(key ?? "");
    queue.addRateLimited("ns/c");
    queue.shutDown();
    assert.deepEqual(seen.added, [1, 1]);
    assert.deepEqual(seen.queueLatency, [2]);
    assert.deepEqual(seen.workDuration, [1]);
    assert.deepEqual(seen.retried, [1]);
    assert.deepEqual(seen.depth?.slice(0, 3), [1, 2, 1]);
    assert.deepEqual(seen.unfinished?.slice(-2), [0.5, 1]);
    assert.deepEqual(seen.longest?.slice(-2), [0.5, 1]);
    assert.equal(clock.pendingTimers(), 0, "the metrics loop stops at shutdown");
  });
});
