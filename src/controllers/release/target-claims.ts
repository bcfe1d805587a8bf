import { ReleaseSpec, ReleaseStatus, type ReleaseEnvironmentState } from "../../api/v1alpha1/release.js";
import { pinnedReleaseSpec } from "../../api/v1alpha1/pinned-release.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { ObjectStore } from "../../runtime/informer/store.js";
import { targetRevision } from "./delivery.js";
import { targetKey } from "./target-object.js";
import { releaseKey } from "./names.js";

/** The index of Releases by the delivery objects their targets name (see `deliveryObjectKey`). */
export const RELEASES_BY_TARGET = "delivery-target";

/** The states in which a release has promoted its revision to a target: it was authorised to run there. */
const PROMOTED: readonly ReleaseEnvironmentState[] = ["Deploying", "Deployed", "Verified", "Failed"];

/** The index function of {@link RELEASES_BY_TARGET}: every delivery object a Release's targets name. */
export function releaseTargetKeys(obj: KubeObject): string[] {
  const targets = (obj.spec as { targets?: unknown } | undefined)?.targets;
  if (!Array.isArray(targets)) return [];
  const spec = ReleaseSpec.shape.targets.safeParse(targets);
  if (!spec.success) return [];
  return [...new Set(spec.data.flatMap((t) => targetKey(t) ?? []))];
}

/** Another release's promotion to a target: the revision it was authorised to run there, and since when. */
export interface TargetClaim {
  /** `namespace/name` of the release. */
  release: string;
  environment: string;
  revision: string;
  state: ReleaseEnvironmentState;
  deployStartedAt?: string | undefined;
  /** Whether its entry still marks the delivery request pending (ADR 0037: until its first status write past it). */
  requestPending?: boolean | undefined;
}

/**
 * What every other release has promoted to the delivery object `key`, read from the releases cache: each
 * environment of theirs whose target is that object and whose state shows a promotion of its revision. `index`
 * names the store's index by {@link releaseTargetKeys}: each controller registers its own, so none depends on
 * another's registration.
 */
export function otherClaims(
  store: ObjectStore,
  key: string,
  self: string,
  index: string = RELEASES_BY_TARGET,
): TargetClaim[] {
  return store.byIndex(index, key).flatMap((obj) => {
    const release = releaseKey(obj.metadata.namespace ?? "", obj.metadata.name);
    return release === self ? [] : claimsOf(obj, key);
  });
}

/**
 * What one Release has promoted to the delivery object `key`: each environment of its whose target is that object
 * and whose state shows a promotion of its revision. None when its spec or status cannot be read.
 */
export function claimsOf(obj: KubeObject, key: string): TargetClaim[] {
  const release = releaseKey(obj.metadata.namespace ?? "", obj.metadata.name);
  const spec = pinnedReleaseSpec(obj);
  const status = ReleaseStatus.safeParse(obj.status ?? {});
  if (spec === undefined || !status.success) return [];
  return spec.targets.flatMap((target) => {
    if (targetKey(target) !== key) return [];
    const entry = status.data.environments?.find((e) => e.name === target.environment);
    if (entry === undefined || !PROMOTED.includes(entry.state)) return [];
    const revision = entry.revision ?? targetRevision(target, spec);
    return [
      {
        release,
        environment: target.environment,
        revision,
        state: entry.state,
        deployStartedAt: entry.deployStartedAt,
        ...(entry.deliveryRequestPending === true ? { requestPending: true } : {}),
      },
    ];
  });
}

/** Whether `claim` came after `other` at the same target: promoted later (by `deployStartedAt`), ties by name. */
export function claimedLater(claim: TargetClaim, other: TargetClaim): boolean {
  const a = claim.deployStartedAt ?? "";
  const b = other.deployStartedAt ?? "";
  return a > b || (a === b && claim.release > other.release);
}

/**
 * The release currently deployed to the delivery object `key`: of every release that promoted to it, the one
 * that promoted last (by `deployStartedAt`, ties by name). Undefined when no release ever did.
 */
export function currentClaim(store: ObjectStore, key: string): TargetClaim | undefined {
  const claims = otherClaims(store, key, "");
  let latest: TargetClaim | undefined;
  for (const claim of claims) {
    if (latest === undefined || claimedLater(claim, latest)) latest = claim;
  }
  return latest;
}
