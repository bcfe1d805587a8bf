import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FakeClock } from "../../support/fake-clock.js";
import { MemoryLeaseStore } from "../../support/memory-lease-store.js";
import { advanceCheckingOneLeader, startCandidate } from "./leader-candidate.js";

const HOUR_MS = 3_600_000;

describe("LeaderElector between candidates", () => {
  it("lets exactly one of two simultaneous candidates lead, and the other learns who", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = startCandidate(store, clock, "replica-a");
    const b = startCandidate(store, clock, "replica-b");
    await advanceCheckingOneLeader(clock, store, [a, b], 60_000);
    const [leader, standby] = a.elector.isLeader() ? [a, b] : [b, a];
    assert.equal(leader.elector.isLeader(), true);
    assert.deepEqual(leader.startedAtMs, [0]);
    assert.deepEqual(standby.startedAtMs, []);
    assert.deepEqual(standby.newLeaders, [leader.identity]);
    assert.deepEqual(standby.errors, [], "losing the create race is a conflict, not an error");
    assert.equal(store.snapshot()?.record.leaseTransitions, 0);
  });

  // The leader (a) renews at 2 s and 4 s, is cut off at 5 s; b (started at 1 s, polling at odd seconds) sees
  // the 4 s renewal at 5 s, so it may take over at 20 s on its own clock and does so at its 21 s poll.
  const skews = [
    { name: "in sync", skewMs: 0 },
    { name: "an hour behind (its renewals look long expired)", skewMs: -HOUR_MS },
    { name: "a year ahead (its renewals look valid forever)", skewMs: 365 * 24 * HOUR_MS },
  ];
  for (const { name, skewMs } of skews) {
    it(`takes over after the leader stops renewing, judged on the standby's own clock: leader clock ${name}`, async () => {
      const clock = new FakeClock();
      const store = new MemoryLeaseStore();
      const a = startCandidate(store, clock, "replica-a", { wallSkewMs: skewMs });
      await advanceCheckingOneLeader(clock, store, [a], 1000);
      const b = startCandidate(store, clock, "replica-b");
      await advanceCheckingOneLeader(clock, store, [a, b], 5000);
      assert.equal(
        store.snapshot()?.record.renewTime?.getTime(),
        new Date("2030-01-01T00:00:04Z").getTime() + skewMs,
      );
      a.connection.health = "failing";
      await advanceCheckingOneLeader(clock, store, [a, b], 20_000);
      assert.deepEqual(a.stopped, [{ atMs: 14_000, reason: "renewDeadlineExceeded" }]);
      assert.equal(b.elector.isLeader(), false, "not before lease duration since b saw the last change");
      await advanceCheckingOneLeader(clock, store, [a, b], 30_000);
      assert.deepEqual(b.startedAtMs, [21_000]);
      assert.equal(store.snapshot()?.record.holderIdentity, "replica-b");
      assert.equal(store.snapshot()?.record.leaseTransitions, 1);
      assert.deepEqual(b.newLeaders, ["replica-a", "replica-b"]);
    });
  }

  it("hands over at the standby's next retry when the leader releases on shutdown", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = startCandidate(store, clock, "replica-a");
    await advanceCheckingOneLeader(clock, store, [a], 1000);
    const b = startCandidate(store, clock, "replica-b");
    await advanceCheckingOneLeader(clock, store, [a, b], 6000);
    a.stop.abort();
    await advanceCheckingOneLeader(clock, store, [a, b], 6500);
    await a.finished;
    assert.deepEqual(a.stopped, [{ atMs: 6000, reason: "released" }]);
    assert.equal(a.runError, undefined);
    assert.equal(store.snapshot()?.record.holderIdentity, "");
    assert.equal(store.snapshot()?.record.leaseDurationSeconds, 1);
    await advanceCheckingOneLeader(clock, store, [a, b], 10_000);
    assert.deepEqual(b.startedAtMs, [7000], "b's first poll after the release");
    assert.equal(store.snapshot()?.record.leaseTransitions, 1);
  });

  it("loses the race when its takeover carries a stale resourceVersion", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    await store.create({ holderIdentity: "replica-old", leaseDurationSeconds: 15, leaseTransitions: 4 });
    const b = startCandidate(store, clock, "replica-b");
    let raced = false;
    b.connection.beforeUpdate = async () => {
      if (raced) return;
      raced = true;
      const current = store.snapshot();
      if (!current) throw new Error("The seeded lease is gone");
      const fresh = { holderIdentity: "replica-c", leaseDurationSeconds: 15, leaseTransitions: 5 };
      await store.update(fresh, current.resourceVersion);
    };
    await advanceCheckingOneLeader(clock, store, [b], 16_000);
    assert.equal(raced, true, "b tried to take over the expired lease at 16 s");
    assert.equal(b.elector.isLeader(), false);
    assert.equal(store.snapshot()?.record.holderIdentity, "replica-c");
    assert.deepEqual(b.errors, []);
    // b first sees replica-c's record at 18 s, so it waits until 33 s and takes over at its 34 s poll.
    await advanceCheckingOneLeader(clock, store, [b], 33_000);
    assert.equal(b.elector.isLeader(), false);
    await advanceCheckingOneLeader(clock, store, [b], 40_000);
    assert.deepEqual(b.startedAtMs, [34_000]);
    assert.equal(store.snapshot()?.record.leaseTransitions, 6);
    assert.deepEqual(b.newLeaders, ["replica-old", "replica-c", "replica-b"]);
  });
});
