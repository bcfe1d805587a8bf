import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DeadlineExceededError } from "../../../src/runtime/leader-election/deadline.js";
import {
  LeaderElectionConfigError,
  resolveLeaderElectionOptions,
  type LeaderElectionOptions,
} from "../../../src/runtime/leader-election/leader-election-config.js";
import { FakeClock } from "../../support/fake-clock.js";
import {
  LeaseStoreUnavailableError,
  MemoryLeaseStore,
  type ConnectionHealth,
} from "../../support/memory-lease-store.js";
import { startCandidate } from "./leader-candidate.js";

describe("LeaderElector as leader", () => {
  // Acquired at 0 s, renewed at 2 s and 4 s; the store breaks at 4.5 s, so the deadline is 4 s + 10 s.
  const breakages: { health: ConnectionHealth; error: new (...args: never[]) => Error }[] = [
    { health: "failing", error: LeaseStoreUnavailableError },
    { health: "hanging", error: DeadlineExceededError },
  ];
  for (const { health, error } of breakages) {
    it(`stops leading within the renew deadline when the store is ${health}`, async () => {
      const clock = new FakeClock();
      const store = new MemoryLeaseStore();
      const a = startCandidate(store, clock, "replica-a");
      await clock.advance(4500);
      a.connection.health = health;
      await clock.advance(14_000 - 4500 - 1);
      assert.equal(a.elector.isLeader(), true);
      assert.deepEqual(a.stopped, []);
      await clock.advance(1);
      assert.equal(a.elector.isLeader(), false);
      assert.deepEqual(a.stopped, [{ atMs: 14_000, reason: "renewDeadlineExceeded" }]);
      assert.deepEqual(a.workAbortedAtMs, [14_000], "the leader's work is told to stop at once");
      await a.finished;
      assert.equal(a.runError, undefined);
      assert.ok(a.errors.length > 0 && a.errors.every((e) => e instanceof error), "failures were reported");
    });
  }

  it("steps down at its next renewal once someone else holds the lease", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = startCandidate(store, clock, "replica-a");
    await clock.advance(3000);
    const current = store.snapshot();
    assert.ok(current);
    await store.update(
      { holderIdentity: "intruder", leaseDurationSeconds: 15, leaseTransitions: 1 },
      current.resourceVersion,
    );
    await clock.advance(1000);
    assert.deepEqual(a.stopped, [{ atMs: 4000, reason: "leaseTakenOver" }]);
    assert.equal(store.snapshot()?.record.holderIdentity, "intruder", "nothing was released or overwritten");
    await a.finished;
  });

  it("keeps renewing while its work drains on shutdown, then releases", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const a = startCandidate(store, clock, "replica-a", {
      work: (signal) =>
        new Promise((resolve) =>
          signal.addEventListener("abort", () => clock.setTimer(25_000, () => resolve())),
        ),
    });
    await clock.advance(1000);
    a.stop.abort();
    await clock.advance(24_999);
    assert.deepEqual(a.stopped, []);
    assert.equal(
      store.snapshot()?.record.holderIdentity,
      "replica-a",
      "renewed while draining (beyond 15 s)",
    );
    await clock.advance(1);
    await a.finished;
    assert.deepEqual(a.stopped, [{ atMs: 26_000, reason: "released" }]);
    assert.equal(store.snapshot()?.record.holderIdentity, "");
  });

  it("releases the lease and rejects run() when its work fails", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    const crash = new Error("Controller crashed");
    const a = startCandidate(store, clock, "replica-a", { work: () => Promise.reject(crash) });
    await clock.advance(0);
    await a.finished;
    assert.equal(a.runError, crash);
    assert.deepEqual(a.stopped, [{ atMs: 0, reason: "workFailed" }]);
    assert.equal(store.snapshot()?.record.holderIdentity, "");
  });

  it("ends a campaign that never won without calling onStoppedLeading", async () => {
    const clock = new FakeClock();
    const store = new MemoryLeaseStore();
    await store.create({ holderIdentity: "replica-a", leaseDurationSeconds: 15, leaseTransitions: 0 });
    const b = startCandidate(store, clock, "replica-b");
    await clock.advance(5000);
    b.stop.abort();
    await b.finished;
    assert.deepEqual(b.stopped, []);
    assert.equal(clock.pendingTimers(), 0, "no retry timer left behind");
  });
});

describe("resolveLeaderElectionOptions", () => {
  const base: LeaderElectionOptions = {
    identity: "replica-a",
    store: new MemoryLeaseStore(),
    onStartedLeading: () => undefined,
  };
  const cases: { name: string; options: Partial<LeaderElectionOptions>; valid: boolean }[] = [
    { name: "client-go defaults", options: {}, valid: true },
    { name: "lease not longer than renew deadline", options: { leaseDurationMs: 10_000 }, valid: false },
    { name: "renew deadline within 1.2 retry periods", options: { retryPeriodMs: 9000 }, valid: false },
    { name: "fractional lease seconds", options: { leaseDurationMs: 15_500 }, valid: false },
    { name: "empty identity", options: { identity: "" }, valid: false },
    {
      name: "fast test timings",
      options: { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 },
      valid: true,
    },
  ];
  for (const row of cases) {
    it(`${row.valid ? "accepts" : "rejects"} ${row.name}`, () => {
      const resolve = (): unknown => resolveLeaderElectionOptions({ ...base, ...row.options });
      if (row.valid) assert.doesNotThrow(resolve);
      else assert.throws(resolve, LeaderElectionConfigError);
    });
  }
});
