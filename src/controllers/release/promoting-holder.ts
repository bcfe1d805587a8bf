import type { ReleaseEnvironmentState } from "../../api/v1alpha1/release.js";
import type { TargetClaim } from "./target-claims.js";

/** The states in which a release is promoting to a target: from its promotion on record until it is done there. */
export const PROMOTING: readonly ReleaseEnvironmentState[] = ["Deploying", "Deployed"];

/**
 * Whether a `stagegate.io/locked-by` holder of a delivery object is a release promoting there, the one rule of lock
 * reality (ADR 0020): the release it names exists, its spec claims this very object (claims are read by the object's
 * key), its status shows it Deploying or Deployed there, and the environment it promotes in owns the object now
 * (`owns`, asked of the Environment's `spec.delivery`). A release's status records its promotion before the delivery
 * tool is asked, so a real holder is always on record: a holder that waits at the gate, never targeted the object,
 * is done with it, promotes in an environment that does not own it, or does not exist is a forgery or a leftover.
 * Pure.
 */
export function promotingHolder(
  holder: string,
  claims: readonly TargetClaim[],
  owns: (environment: string) => boolean,
): boolean {
  return claims.some((c) => c.release === holder && PROMOTING.includes(c.state) && owns(c.environment));
}
