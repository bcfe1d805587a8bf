// The notifier's wake-up: a ring ends the current wait or, when nobody waits, the next one (once); a wait without a
// ring ends at its timeout; an abort ends it. Timers are Node's mocked ones, so nothing here depends on the clock.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import { WakeBell } from "../../../src/runtime/wake-bell.js";

/** Whether the promise has settled after the microtasks queued so far ran. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
}

describe("WakeBell", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setTimeout"] }));
  afterEach(() => mock.timers.reset());

  it("ends a wait at the ring, before its timeout", async () => {
    const bell = new WakeBell();
    const waiting = bell.wait(2000);
    mock.timers.tick(500);
    assert.equal(await settled(waiting), false);
    bell.ring();
    assert.equal(await settled(waiting), true);
  });

  it("ends a wait at its timeout when nothing rings", async () => {
    const bell = new WakeBell();
    const waiting = bell.wait(2000);
    mock.timers.tick(1999);
    assert.equal(await settled(waiting), false);
    mock.timers.tick(1);
    assert.equal(await settled(waiting), true);
  });

  it("keeps one ring that came while nobody waited, and only one", async () => {
    const bell = new WakeBell();
    bell.ring();
    bell.ring();
    assert.equal(await settled(bell.wait(2000)), true);
    const next = bell.wait(2000);
    assert.equal(await settled(next), false);
    mock.timers.tick(2000);
    assert.equal(await settled(next), true);
  });

  it("does not carry a ring that ended a wait into the next one", async () => {
    const bell = new WakeBell();
    const first = bell.wait(2000);
    bell.ring();
    assert.equal(await settled(first), true);
    const second = bell.wait(2000);
    assert.equal(await settled(second), false);
    mock.timers.tick(2000);
    assert.equal(await settled(second), true);
  });

  it("ends a wait when its signal aborts, and at once when it already had", async () => {
    const bell = new WakeBell();
    const controller = new AbortController();
    const waiting = bell.wait(2000, controller.signal);
    assert.equal(await settled(waiting), false);
    controller.abort();
    assert.equal(await settled(waiting), true);
    assert.equal(await settled(bell.wait(2000, controller.signal)), true);
  });
});
