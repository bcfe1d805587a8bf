import type { VerificationThreshold } from "../../api/v1alpha1/verification.js";

/** Why a value passed or failed its threshold; the first failing rule names the reason. */
export type ThresholdReason =
  "WithinThreshold" | "AboveMaximum" | "BelowMinimum" | "BaselineMissing" | "BaselineNotPositive";

/** The verdict on one value, in the shape of every gate: pass, reason, and a sentence fragment. */
export interface ThresholdVerdict {
  pass: boolean;
  reason: ThresholdReason;
  /** The comparison in words, for example "0.31 is above max 0.2". */
  message: string;
}

/** A number as people read it in a log: at most six significant digits, no trailing zeros. */
export function formatValue(value: number): string {
  return Number(value.toPrecision(6)).toString();
}

/**
 * The threshold in words, with the bounds worked out when they are relative to a baseline: "max 0.2",
 * "min 0.9, max 1.1", "max 1.5 × baseline 20 = 30". A relative threshold without a baseline is written without
 * the products.
 */
export function describeThreshold(threshold: VerificationThreshold, baseline?: number): string {
  const bound = (label: string, factor: number | undefined): string[] => {
    if (factor === undefined) return [];
    const f = formatValue(factor);
    if (threshold.relativeTo === "Absolute") return [`${label} ${f}`];
    if (baseline === undefined) return [`${label} ${f} × baseline`];
    return [`${label} ${f} × baseline ${formatValue(baseline)} = ${formatValue(factor * baseline)}`];
  };
  return [...bound("min", threshold.min), ...bound("max", threshold.max)].join(", ");
}

/**
 * Whether a relative threshold can be judged at all: only against a baseline that was measured and is a
 * positive number (a multiple of 0 or of a negative value does not describe "no worse than before").
 */
export function baselineUsable(baseline: number | undefined): ThresholdVerdict {
  if (baseline === undefined) {
    return {
      pass: false,
      reason: "BaselineMissing",
      message: "no baseline was measured, so a threshold relative to it cannot be judged",
    };
  }
  if (!(baseline > 0)) {
    return {
      pass: false,
      reason: "BaselineNotPositive",
      message:
        `the baseline is ${formatValue(baseline)}, so a threshold relative to it cannot be judged ` +
        "(it must be a positive number)",
    };
  }
  return { pass: true, reason: "WithinThreshold", message: `the baseline is ${formatValue(baseline)}` };
}

/**
 * Judges one measured value against its threshold; pure. Relative thresholds multiply min and max by the
 * baseline, and fail when the baseline is missing or not positive. Bounds are inclusive. A failure names only
 * the bound that was crossed.
 */
export function judgeValue(
  value: number,
  threshold: VerificationThreshold,
  baseline?: number,
): ThresholdVerdict {
  let factor = 1;
  if (threshold.relativeTo === "Baseline") {
    const usable = baselineUsable(baseline);
    if (!usable.pass) return usable;
    factor = baseline ?? 1;
  }
  const shown = formatValue(value);
  const { relativeTo, max, min } = threshold;
  if (max !== undefined && value > max * factor) {
    const bound = describeThreshold({ relativeTo, max }, baseline);
    return { pass: false, reason: "AboveMaximum", message: `${shown} is above ${bound}` };
  }
  if (min !== undefined && value < min * factor) {
    const bound = describeThreshold({ relativeTo, min }, baseline);
    return { pass: false, reason: "BelowMinimum", message: `${shown} is below ${bound}` };
  }
  return {
    pass: true,
    reason: "WithinThreshold",
    message: `${shown} is within ${describeThreshold(threshold, baseline)}`,
  };
}
