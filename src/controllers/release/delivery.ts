import semver from "semver";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import type { LastOperation } from "../../gitops/delivery.js";

/** What the GitOps adapter observed on a target: its delivery state, the revision it runs, and why. */
export interface DeliveryObservation {
  state: "Missing" | "Deploying" | "Deployed" | "Failed";
  revision?: string | undefined;
  /** What the target is told to deliver, where its object says (see the adapters' `requested`). */
  requested?: string | undefined;
  /** The tool's last operation on the target, where its object keeps one (see the adapters' `lastOperation`). */
  lastOperation?: LastOperation | undefined;
  message: string;
}

export { targetRevision } from "../../api/v1alpha1/release-binding.js";

/**
 * Whether an observed revision is the one the release deploys. Flux reports `main@sha1:<sha>`, Argo CD full commit
 * ids while a release may pin a short one, so the part after `@sha1:`/`@sha256:` is compared and a commit id of 7
 * or more hexadecimal characters matches the full id it abbreviates.
 */
export function revisionMatches(observed: string | undefined, desired: string): boolean {
  if (observed === undefined) return false;
  const bare = observed.replace(/^.*@sha(1|256):/, "");
  if (observed === desired || bare === desired) return true;
  const hex = /^[0-9a-f]{7,64}$/;
  if (hex.test(bare) && hex.test(desired)) return bare.startsWith(desired) || desired.startsWith(bare);
  return chartVersionInRange(bare, desired);
}

/**
 * Whether a chart version a HelmRelease runs satisfies the version range an ungated environment passed to Flux as
 * written (`1.4.x`): Flux picks the version, any in the range is the one asked for. A gated environment never
 * delivers a range (it is refused, or resolved to one version first: ADR 0022).
 */
function chartVersionInRange(version: string, range: string): boolean {
  if (semver.valid(version) === null || semver.valid(range) !== null || semver.validRange(range) === null) {
    return false;
  }
  return semver.satisfies(version, range);
}

/** The name of the object a target delivers through, for messages and artifacts. */
export function targetObjectName(target: ReleaseTarget): string {
  if (target.argoCD !== undefined) return target.argoCD.name;
  return target.flux?.name ?? target.environment;
}
