import type { ReleaseEnvironmentState, ReleaseEnvironmentStatus } from "../../api/v1alpha1/release.js";

const PROMOTED: readonly ReleaseEnvironmentState[] = ["Deploying", "Deployed", "Verified", "Failed"];

/** Where an environment stands for the revision and artifact a release now asks for. */
export interface PromotionPosition {
  /** Whether this very revision and artifact were promoted here already (the delivery then decides). */
  promoted: boolean;
  /**
   * The ordinal of the promotion that brings them here: the stored one once promoted, else the next. It names the
   * ChangeRequest, so a change authorises exactly one promotion.
   */
  ordinal: number;
}

/**
 * Whether `revision` of `artifact` is promoted in the environment already, and the ordinal of its promotion. An
 * entry written before artifacts were recorded counts as the same artifact (an upgrade does not re-promote).
 */
export function promotionPosition(
  stored: ReleaseEnvironmentStatus | undefined,
  revision: string,
  artifact: string,
): PromotionPosition {
  const promoted =
    stored !== undefined &&
    stored.revision === revision &&
    PROMOTED.includes(stored.state) &&
    (stored.artifact === undefined || stored.artifact === artifact);
  const count = stored?.promotions ?? (stored !== undefined && PROMOTED.includes(stored.state) ? 1 : 0);
  return { promoted, ordinal: promoted ? Math.max(count, 1) : count + 1 };
}
