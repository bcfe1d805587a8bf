import type { RollbackSeal } from "../rollback/seal.js";
import { pinnedReleaseSpec } from "../../api/v1alpha1/pinned-release.js";
import { provenRollbackLock } from "../rollback/lock-holder.js";
import type { Informers } from "../informers.js";
import { ReleaseStatus } from "../../api/v1alpha1/release.js";
import { targetRevision } from "../../api/v1alpha1/release-binding.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { targetKey } from "./target-object.js";

/**
 * Whether the `stagegate.io/locked-by` holder of the delivery object `deliveryKey` speaks for it, so what moves on
 * the object is that holder's business and not an unapproved deployment: a release that exists, whose spec
 * targets this very object, and that is not done there with the revision its spec asks for (its status lags its
 * sync by one write, so "not done" is asked, not "Deploying"), or an open Rollback task the operator sealed.
 * Anyone with edit on the delivery object can write the annotation; a holder that is neither silences nothing.
 */
export function lockSpeaksFor(
  informers: Informers,
  seal: RollbackSeal | undefined,
  holder: string,
  deliveryKey: string,
): boolean {
  return (
    provenRollbackLock(informers, seal, holder) ??
    releaseInFlightOn(informers.releases.store.get(holder), deliveryKey)
  );
}

/**
 * Whether `release` (the lock's holder, as cached) targets the delivery object `deliveryKey` in its spec and is not
 * done there with the revision its spec asks for; false when it does not exist. Pure.
 */
export function releaseInFlightOn(release: KubeObject | undefined, deliveryKey: string): boolean {
  if (release === undefined) return false;
  const spec = pinnedReleaseSpec(release);
  const status = ReleaseStatus.safeParse(release.status ?? {});
  if (spec === undefined) return false;
  const entries = status.success ? (status.data.environments ?? []) : [];
  return spec.targets.some((target) => {
    if (targetKey(target) !== deliveryKey) return false;
    const entry = entries.find((e) => e.name === target.environment);
    const finished =
      entry !== undefined &&
      (entry.state === "Verified" || entry.state === "Failed") &&
      entry.revision === targetRevision(target, spec);
    return !finished;
  });
}
