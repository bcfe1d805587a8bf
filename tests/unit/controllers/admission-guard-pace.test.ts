import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FIRST_RECHECK_MS, nextCheckDelayMs } from "../../../src/controllers/admission-guard/guard.js";

const INTERVAL = 10_000;

/** The delays a guard waits through while the controls stay missing, from the first failed check on. */
function delaysWhileMissing(checks: number): number[] {
  const delays: number[] = [];
  let previous = 0;
  let wasIntact = true;
  for (let i = 0; i < checks; i += 1) {
    previous = nextCheckDelayMs({ intact: false, wasIntact }, previous, INTERVAL);
    wasIntact = false;
    delays.push(previous);
  }
  return delays;
}

describe("the admission guard's pace", () => {
  it("checks intact controls once per interval", () => {
    assert.equal(nextCheckDelayMs({ intact: true, wasIntact: true }, INTERVAL, INTERVAL), INTERVAL);
    assert.equal(nextCheckDelayMs({ intact: true, wasIntact: false }, 500, INTERVAL), INTERVAL);
  });

  it("looks again soon after the controls go missing, doubling up to the interval and staying there", () => {
    const delays = delaysWhileMissing(9);
    assert.equal(delays[0], FIRST_RECHECK_MS);
    assert.deepEqual(delays.slice(0, 6), [250, 500, 1000, 2000, 4000, 8000]);
    assert.deepEqual(delays.slice(6), [INTERVAL, INTERVAL, INTERVAL]);
  });

  it("starts the quick re-checks again when intact controls go missing later", () => {
    assert.equal(nextCheckDelayMs({ intact: false, wasIntact: true }, INTERVAL, INTERVAL), FIRST_RECHECK_MS);
  });

  it("never waits longer than the interval, however short it is", () => {
    assert.equal(nextCheckDelayMs({ intact: false, wasIntact: true }, 0, 100), 100);
  });
});
