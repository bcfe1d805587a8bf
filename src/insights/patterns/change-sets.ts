import { quantile } from "../measures/stats.js";
import type { LargeChangeSet } from "./patterns.js";

/** The share of recorded change sets a derived threshold leaves below "large": the top fifth are large. */
const USUAL_SHARE = 0.8;

/**
 * What a large change set is: `given` commits or more when a threshold is given, else more than the 80th percentile
 * of the change set sizes the window records (so the largest fifth, or fewer when many share the top size). Undefined
 * when no size is given nor recorded: the pattern is then not judged. Pure.
 */
export function largeChangeSetOf(
  sizes: readonly number[],
  given: number | undefined,
): LargeChangeSet | undefined {
  if (given !== undefined) return { minCommits: given, source: "given with --large-change" };
  const sorted = [...sizes].sort((a, b) => a - b);
  const usual = quantile(sorted, USUAL_SHARE);
  if (usual === null) return undefined;
  return {
    minCommits: usual + 1,
    source: `more than ${usual}, the 80th percentile of the window's ${sorted.length} recorded change sets`,
  };
}
