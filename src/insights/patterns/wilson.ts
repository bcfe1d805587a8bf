/**
 * The statistics the failure patterns claim with: a rate, its Wilson score interval, and the rule that no claim is
 * made from a group smaller than a minimum (ADR 0041). Pure.
 */

/** The z of a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** Below this many promotions in either group (with a pattern, without it), no comparison is claimed. */
export const MIN_GROUP = 10;

/** A proportion's interval, both ends in [0, 1]. */
export interface Interval {
  low: number;
  high: number;
}

/**
 * The Wilson score interval of `successes` out of `trials` at the given z (95% by default). Unlike the normal
 * approximation it stays inside [0, 1] and is honest at 0 of n and n of n. Undefined for no trials.
 */
export function wilsonInterval(successes: number, trials: number, z = Z95): Interval | undefined {
  if (!Number.isInteger(trials) || trials <= 0) return undefined;
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new RangeError(
      `wilsonInterval: ${successes} successes out of ${trials} trials is not a proportion`,
    );
  }
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  // Clamp rounding at the ends (0 of n gives a low of -1e-17 otherwise).
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** One group's count of promotions, how many of them failed, the rate and its interval. */
export interface GroupRate {
  promotions: number;
  failures: number;
  /** failures / promotions; undefined for an empty group. */
  rate: number | undefined;
  interval: Interval | undefined;
}

/** The rate of a group. */
export function groupRate(failures: number, promotions: number): GroupRate {
  return {
    promotions,
    failures,
    rate: promotions === 0 ? undefined : failures / promotions,
    interval: wilsonInterval(failures, promotions),
  };
}

/**
 * What may be said when a group with a pattern is set against the baseline (the group without it):
 * `not enough data` when either group is smaller than `minimum`; `higher` or `lower` only when the two 95% intervals
 * do not overlap (a conservative test: overlapping intervals can still differ, but nothing is claimed then);
 * otherwise `no clear difference`.
 */
export type Verdict = "not enough data" | "higher" | "lower" | "no clear difference";

/** The verdict of a pattern's group against its baseline (see {@link Verdict}). */
export function compareRates(withIt: GroupRate, baseline: GroupRate, minimum = MIN_GROUP): Verdict {
  if (withIt.promotions < minimum || baseline.promotions < minimum) return "not enough data";
  const a = withIt.interval;
  const b = baseline.interval;
  if (a === undefined || b === undefined) return "not enough data";
  if (a.low > b.high) return "higher";
  if (a.high < b.low) return "lower";
  return "no clear difference";
}
