import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { waitFor } from "../../../src/runtime/clock.js";
import { FakeClock } from "../../support/fake-clock.js";

describe("FakeClock", () => {
  it("fires due timers in deadline order, ties in scheduling order, and leaves later ones pending", async () => {
    const clock = new FakeClock();
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push("c@30"));
    clock.setTimer(10, () => fired.push("a@10"));
    clock.setTimer(10, () => fired.push("b@10"));
    clock.setTimer(31, () => fired.push("d@31"));
    await clock.advance(30);
    assert.deepEqual(fired, ["a@10", "b@10", "c@30"]);
    assert.equal(clock.pendingTimers(), 1);
    assert.equal(clock.monotonicMs(), 30);
  });

  it("fires timers scheduled by fired timers and by their promise continuations within the window", async () => {
    const clock = new FakeClock();
    const firedAt: number[] = [];
    const loop = async (): Promise<void> => {
      for (let i = 0; i < 3; i += 1) {
        await waitFor(clock, 100);
        firedAt.push(clock.monotonicMs());
      }
    };
    const done = loop();
    await clock.advance(250);
    assert.deepEqual(firedAt, [100, 200]);
    await clock.advance(50);
    await done;
    assert.deepEqual(firedAt, [100, 200, 300]);
  });

  it("moves the wall clock with the monotonic clock and never fires a cancelled timer", async () => {
    const clock = new FakeClock(new Date("2030-01-01T00:00:00.000Z"));
    let fired = false;
    clock.setTimer(5, () => (fired = true)).cancel();
    await clock.advance(1500);
    assert.equal(fired, false);
    assert.equal(clock.pendingTimers(), 0);
    assert.equal(clock.now().toISOString(), "2030-01-01T00:00:01.500Z");
  });

  it("lets waitFor end early without rejecting when its signal aborts", async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const waited = waitFor(clock, 1000, controller.signal);
    controller.abort();
    assert.equal(await waited, false);
    assert.equal(clock.pendingTimers(), 0);
  });
});
