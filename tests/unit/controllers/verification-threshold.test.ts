import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { VerificationThreshold } from "../../../src/api/v1alpha1/verification.js";
import {
  describeThreshold,
  formatValue,
  judgeValue,
  type ThresholdReason,
} from "../../../src/controllers/verification/threshold.js";

const abs = (t: Omit<VerificationThreshold, "relativeTo">): VerificationThreshold => ({
  relativeTo: "Absolute",
  ...t,
});
const rel = (t: Omit<VerificationThreshold, "relativeTo">): VerificationThreshold => ({
  relativeTo: "Baseline",
  ...t,
});

describe("judgeValue", () => {
  const rows: {
    situation: string;
    value: number;
    threshold: VerificationThreshold;
    baseline?: number;
    reason: ThresholdReason;
    message: string;
  }[] = [
    {
      situation: "below an absolute max",
      value: 0.012,
      threshold: abs({ max: 0.05 }),
      reason: "WithinThreshold",
      message: "0.012 is within max 0.05",
    },
    {
      situation: "exactly at the max (bounds are inclusive)",
      value: 0.05,
      threshold: abs({ max: 0.05 }),
      reason: "WithinThreshold",
      message: "0.05 is within max 0.05",
    },
    {
      situation: "above an absolute max",
      value: 0.31,
      threshold: abs({ max: 0.2 }),
      reason: "AboveMaximum",
      message: "0.31 is above max 0.2",
    },
    {
      situation: "below an absolute min",
      value: 0.5,
      threshold: abs({ min: 0.9, max: 1.1 }),
      reason: "BelowMinimum",
      message: "0.5 is below min 0.9",
    },
    {
      situation: "inside a band",
      value: 1,
      threshold: abs({ min: 0.9, max: 1.1 }),
      reason: "WithinThreshold",
      message: "1 is within min 0.9, max 1.1",
    },
    {
      situation: "within 1.5 times the baseline",
      value: 0.25,
      threshold: rel({ max: 1.5 }),
      baseline: 0.2,
      reason: "WithinThreshold",
      message: "0.25 is within max 1.5 × baseline 0.2 = 0.3",
    },
    {
      situation: "above 1.5 times the baseline",
      value: 0.4,
      threshold: rel({ max: 1.5 }),
      baseline: 0.2,
      reason: "AboveMaximum",
      message: "0.4 is above max 1.5 × baseline 0.2 = 0.3",
    },
    {
      situation: "below half the baseline",
      value: 4,
      threshold: rel({ min: 0.5, max: 2 }),
      baseline: 10,
      reason: "BelowMinimum",
      message: "4 is below min 0.5 × baseline 10 = 5",
    },
    {
      situation: "relative, with no baseline measured",
      value: 0.1,
      threshold: rel({ max: 1.5 }),
      reason: "BaselineMissing",
      message: "no baseline was measured, so a threshold relative to it cannot be judged",
    },
    {
      situation: "relative to a baseline of 0",
      value: 0,
      threshold: rel({ max: 1.5 }),
      baseline: 0,
      reason: "BaselineNotPositive",
      message:
        "the baseline is 0, so a threshold relative to it cannot be judged (it must be a positive number)",
    },
    {
      situation: "relative to a negative baseline",
      value: -3,
      threshold: rel({ max: 1.5 }),
      baseline: -2,
      reason: "BaselineNotPositive",
      message:
        "the baseline is -2, so a threshold relative to it cannot be judged (it must be a positive number)",
    },
    {
      situation: "an absolute threshold ignores a baseline of 0",
      value: 0,
      threshold: abs({ max: 1 }),
      baseline: 0,
      reason: "WithinThreshold",
      message: "0 is within max 1",
    },
  ];
  for (const row of rows) {
    it(`${row.situation}: ${row.reason}`, () => {
      const verdict = judgeValue(row.value, row.threshold, row.baseline);
      assert.deepEqual(verdict, {
        pass: row.reason === "WithinThreshold",
        reason: row.reason,
        message: row.message,
      });
    });
  }
});

describe("describeThreshold and formatValue", () => {
  it("writes relative bounds without products while the baseline is unknown", () => {
    assert.equal(describeThreshold(rel({ min: 0.5, max: 1.5 })), "min 0.5 × baseline, max 1.5 × baseline");
  });

  it("keeps six significant digits and drops trailing zeros", () => {
    assert.equal(formatValue(0.0123456789), "0.0123457");
    assert.equal(formatValue(20), "20");
    assert.equal(formatValue(1.5e-7), "1.5e-7");
  });
});
