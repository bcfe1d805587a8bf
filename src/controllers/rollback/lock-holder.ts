import type { KubeObject } from "../../runtime/kube/object.js";
import { targetOwnership, type DeliveryObjectView } from "../../policy/delivery-ownership.js";
import { promotingHolder } from "../release/promoting-holder.js";
import { otherClaims } from "../release/target-claims.js";
import { findEnvironment, findRelease, parseTask } from "../task-context.js";
import { admissionControlsIntact } from "../admission-guard/guard.js";
import type { Informers } from "../informers.js";
import { rollbackEvidence } from "./evidence.js";
import { ROLLBACK_RELEASES_BY_TARGET } from "./previous-revision.js";
import type { RollbackSeal } from "./seal.js";

/** The prefix of the lock a rollback holds a target under: `rollback:<namespace>/<task>`. */
const ROLLBACK_LOCK_PREFIX = "rollback:";

/** Whether a Rollback task (from the cache) is one the operator may act on, and still open. */
function openProvenRollback(informers: Informers, seal: RollbackSeal | undefined, task: KubeObject): boolean {
  const read = parseTask(task);
  if (read === undefined || read.spec.type !== "Rollback" || read.spec.cancelled === true) return false;
  const namespace = task.metadata.namespace ?? "";
  const found = findRelease(informers, namespace, read.spec.releaseRef?.name);
  const release =
    found === undefined
      ? undefined
      : {
          name: found.object.metadata.name,
          uid: found.object.metadata.uid,
          rollbackOwner: found.spec.owners.rollbackOwner.name,
        };
  return rollbackEvidence(seal, task, read.spec.environment, release, admissionControlsIntact()).opened;
}

/**
 * For a `rollback:<namespace>/<task>` lock holder, whether that task exists, is open and was opened by the
 * operator; undefined when the holder is not a rollback's (a release's key).
 */
export function provenRollbackLock(
  informers: Informers,
  seal: RollbackSeal | undefined,
  holder: string,
): boolean | undefined {
  if (!holder.startsWith(ROLLBACK_LOCK_PREFIX)) return undefined;
  const task = informers.deploymentTasks.store.get(holder.slice(ROLLBACK_LOCK_PREFIX.length));
  return task !== undefined && openProvenRollback(informers, seal, task);
}

/**
 * Whether the `stagegate.io/locked-by` holder of the delivery object `deliveryKey` is real, so a rollback waits for
 * it: a release that claims that object, is Deploying or Deployed there and whose environment owns `object` (see
 * `promotingHolder`), or another
 * rollback whose task exists, is open and was opened by the operator. Anyone with edit on the delivery object can
 * write the annotation; a forged holder must not keep a rollback from happening, nor a promotion waiting. `index`
 * names the caller's own index of Releases by target (see `otherClaims`).
 */
export function lockHolderIsReal(
  informers: Informers,
  seal: RollbackSeal | undefined,
  holder: string,
  deliveryKey: string,
  object: DeliveryObjectView,
  index: string = ROLLBACK_RELEASES_BY_TARGET,
): boolean {
  const rollback = provenRollbackLock(informers, seal, holder);
  if (rollback !== undefined) return rollback;
  const claims = otherClaims(informers.releases.store, deliveryKey, "", index);
  const owns = (environment: string): boolean =>
    targetOwnership(environment, findEnvironment(informers, environment)?.delivery, object).pass;
  return promotingHolder(holder, claims, owns);
}
