// The statistics the failure patterns claim with: Wilson intervals against known values, the minimum group, and the
// verdict only when the intervals do not overlap.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareRates, groupRate, MIN_GROUP, wilsonInterval } from "../../../src/insights/patterns/wilson.js";

const close = (actual: number | undefined, expected: number, what: string): void => {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) < 1e-4,
    `${what}: ${actual} is not ${expected}`,
  );
};

describe("wilsonInterval", () => {
  const known: [number, number, number, number][] = [
    // successes, trials, low, high (95%, z = 1.96)
    [0, 10, 0, 0.2775],
    [1, 10, 0.0179, 0.4042],
    [5, 10, 0.2366, 0.7634],
    [10, 10, 0.7225, 1],
    [3, 20, 0.0524, 0.3604],
    [81, 263, 0.2553, 0.3662],
  ];
  for (const [k, n, low, high] of known) {
    it(`gives [${low}, ${high}] for ${k} of ${n}`, () => {
      const interval = wilsonInterval(k, n);
      close(interval?.low, low, "low");
      close(interval?.high, high, "high");
    });
  }

  it("has no interval without trials, and refuses what is not a proportion", () => {
    assert.equal(wilsonInterval(0, 0), undefined);
    assert.throws(() => wilsonInterval(11, 10), /11 successes out of 10 trials is not a proportion/);
    assert.throws(() => wilsonInterval(-1, 10), RangeError);
  });
});

describe("compareRates", () => {
  it("claims nothing from a group smaller than the minimum, whatever the rates", () => {
    assert.equal(MIN_GROUP, 10);
    assert.equal(compareRates(groupRate(3, 3), groupRate(0, 100)), "not enough data");
    assert.equal(compareRates(groupRate(0, 100), groupRate(2, 9)), "not enough data");
  });

  it("says higher or lower only when the 95% intervals do not overlap", () => {
    // 8 of 10 [0.49, 0.94] against 5 of 100 [0.02, 0.11]: apart.
    assert.equal(compareRates(groupRate(8, 10), groupRate(5, 100)), "higher");
    assert.equal(compareRates(groupRate(5, 100), groupRate(8, 10)), "lower");
    // 3 of 10 [0.11, 0.60] against 10 of 100 [0.06, 0.17]: overlapping, so no claim.
    assert.equal(compareRates(groupRate(3, 10), groupRate(10, 100)), "no clear difference");
  });

  it("gives each group its rate and interval", () => {
    const group = groupRate(5, 10);
    assert.equal(group.rate, 0.5);
    close(group.interval?.low, 0.2366, "low");
    assert.equal(groupRate(0, 0).rate, undefined);
  });
});
