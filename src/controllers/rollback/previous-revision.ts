import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import type { ObjectStore } from "../../runtime/informer/store.js";
import { otherClaims, type TargetClaim } from "../release/target-claims.js";

/**
 * The rollback controller's own index of Releases by the delivery objects their targets name (the same keys as
 * the Release controller's index, registered under another name so the two controllers never depend on each
 * other's registration).
 */
export const ROLLBACK_RELEASES_BY_TARGET = "rollback-delivery-target";

/**
 * Every Verified promotion of another release to the delivery object `key`, from the releases cache: the
 * candidates for the revision a rollback returns to.
 */
export function verifiedClaims(store: ObjectStore, key: string, self: string): TargetClaim[] {
  return otherClaims(store, key, self, ROLLBACK_RELEASES_BY_TARGET).filter(
    (claim) => claim.state === "Verified",
  );
}

/**
 * The last Verified revision before the rolled-back release: of the other releases' Verified promotions to the
 * same delivery object, the latest (by `deployStartedAt`, ties by release name) that started before this
 * release's deployment started. Undefined when there is none, or when this release never started deploying.
 * Pure.
 */
export function previousRevision(
  claims: readonly TargetClaim[],
  deployStartedAt: string | undefined,
): TargetClaim | undefined {
  if (deployStartedAt === undefined) return undefined;
  const before = Date.parse(deployStartedAt);
  let latest: TargetClaim | undefined;
  for (const claim of claims) {
    if (claim.state !== "Verified" || claim.deployStartedAt === undefined) continue;
    const started = Date.parse(claim.deployStartedAt);
    if (Number.isNaN(started) || !(started < before)) continue;
    if (latest === undefined) {
      latest = claim;
      continue;
    }
    const best = Date.parse(latest.deployStartedAt ?? "");
    if (started > best || (started === best && claim.release > latest.release)) latest = claim;
  }
  return latest;
}

/**
 * The target as the rollback promotes it: a copy whose revision is the previous one (Argo CD `revision`; Flux
 * `chartVersion` for a HelmRelease, else `revision`), delivered through the same adapter and mode.
 */
export function rollbackTarget(target: ReleaseTarget, revision: string): ReleaseTarget {
  if (target.argoCD !== undefined) return { ...target, argoCD: { ...target.argoCD, revision } };
  if (target.flux === undefined) return target;
  if (target.flux.kind === "HelmRelease") {
    const { revision: _pinned, ...flux } = target.flux;
    return { ...target, flux: { ...flux, chartVersion: revision } };
  }
  return { ...target, flux: { ...target.flux, revision } };
}
