import type { RollbackSeal } from "../rollback/seal.js";
import { ROLLBACK_LOCK_PREFIX, openProvenRollback } from "../rollback/lock-holder.js";
import type { Informers } from "../informers.js";
import { releaseTargetKeys } from "./target-claims.js";

/**
 * Whether the `stagegate.io/locked-by` holder of the delivery object `deliveryKey` speaks for it, so what moves on
 * the object is that holder's business and not an unapproved deployment: a release that exists and whose spec
 * targets this very object (its status may lag its sync by one write, so the spec is what is asked), or an open
 * Rollback task the operator sealed. Anyone with edit on the delivery object can write the annotation; a holder
 * that is neither silences nothing.
 */
export function lockSpeaksFor(
  informers: Informers,
  seal: RollbackSeal | undefined,
  holder: string,
  deliveryKey: string,
): boolean {
  if (holder.startsWith(ROLLBACK_LOCK_PREFIX)) {
    const task = informers.deploymentTasks.store.get(holder.slice(ROLLBACK_LOCK_PREFIX.length));
    return task !== undefined && openProvenRollback(informers, seal, task);
  }
  const release = informers.releases.store.get(holder);
  return release !== undefined && releaseTargetKeys(release).includes(deliveryKey);
}
