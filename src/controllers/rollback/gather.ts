import type { DeploymentTaskSpec, TaskPhase } from "../../api/v1alpha1/deployment-task.js";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import { adapterFor } from "../../gitops/adapters.js";
import { assessDelivery } from "../../gitops/delivery.js";
import type { Clock } from "../../runtime/clock.js";
import type { CallOptions, KubeClient } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { parseTimestamp } from "../../runtime/duration.js";
import { deriveTaskPhase } from "../deployment-task/phase.js";
import { admissionControlsIntact } from "../admission-guard/guard.js";
import type { Informers } from "../informers.js";
import { targetRevision } from "../release/delivery.js";
import { cachedTarget, LOCK_ANNOTATION, readTarget } from "../release/gather.js";
import { targetIdentity } from "../../api/v1alpha1/release-binding.js";
import { targetOwnership } from "../../policy/delivery-ownership.js";
import { releaseKey } from "../release/names.js";
import type { TargetClaim } from "../release/target-claims.js";
import { targetKey } from "../release/target-object.js";
import { findEnvironment, findRelease, parseTask } from "../task-context.js";
import type { RollbackDelivery, RollbackInput } from "./decide.js";
import { previousRevision, rollbackTarget, verifiedClaims } from "./previous-revision.js";
import { effectivePolicy, rollbackEvidence } from "./evidence.js";
import { lockHolderIsReal } from "./lock-holder.js";
import { POLICY_NOTED_ANNOTATION, ROLLBACK_ANNOTATION, ROLLBACK_STARTED_ANNOTATION } from "./reasons.js";
import type { RollbackSeal } from "./seal.js";

/** What the gather reads from: the client for delivery objects, the caches, the clock, the operator's seal. */
export interface GatherDeps {
  client: KubeClient;
  informers: Informers;
  clock: Clock;
  /** Checks that the operator opened a Rollback task; without it no task is proven. */
  rollbackSeal?: RollbackSeal | undefined;
}

/** A task's spec and phase as read; undefined when its spec does not read (the DeploymentTask controller's to report). */
export function readTask(
  obj: KubeObject,
): { spec: DeploymentTaskSpec; phase: TaskPhase | undefined } | undefined {
  const read = parseTask(obj);
  if (read === undefined) return undefined;
  const conditions = read.status?.conditions;
  return { spec: read.spec, phase: conditions === undefined ? undefined : deriveTaskPhase(conditions) };
}

/** The Release a task points at, from the cache, when it exists and its spec reads. */
function readRelease(
  informers: Informers,
  namespace: string,
  name: string | undefined,
): NonNullable<RollbackInput["release"]> | undefined {
  const found = findRelease(informers, namespace, name);
  if (found === undefined || name === undefined) return undefined;
  return {
    name,
    uid: found.object.metadata.uid,
    spec: found.spec,
    ...(found.status === undefined ? {} : { status: found.status }),
  };
}

/** The release's target for an environment, and the last Verified revision before the release on it. */
function targetAndPrevious(
  informers: Informers,
  namespace: string,
  release: NonNullable<RollbackInput["release"]> | undefined,
  environment: string | undefined,
): { target?: ReleaseTarget; previous?: TargetClaim; rolledBackRevision?: string } {
  const target = release?.spec.targets.find((t) => t.environment === environment);
  const key = target === undefined ? undefined : targetKey(target);
  if (release === undefined || target === undefined || key === undefined) return {};
  const entry = release.status?.environments?.find((e) => e.name === environment);
  const claims = verifiedClaims(informers.releases.store, key, releaseKey(namespace, release.name));
  const previous = previousRevision(claims, entry?.deployStartedAt);
  return {
    target,
    ...(previous === undefined ? {} : { previous }),
    rolledBackRevision: entry?.revision ?? targetRevision(target, release.spec),
  };
}

/**
 * What a Rollback task and its RollbackValidation task both read from the caches: the task as read, its Release,
 * the release's target for the task's environment and the last Verified revision before it there.
 */
export interface RollbackContext {
  namespace: string;
  spec: DeploymentTaskSpec;
  phase: TaskPhase | undefined;
  release: NonNullable<RollbackInput["release"]> | undefined;
  target?: ReleaseTarget;
  previous?: TargetClaim;
  rolledBackRevision?: string;
}

/** Reads a rollback-family task's {@link RollbackContext}; undefined when its spec does not read. */
export function readRollbackContext(informers: Informers, task: KubeObject): RollbackContext | undefined {
  const read = readTask(task);
  if (read === undefined) return undefined;
  const namespace = task.metadata.namespace ?? "";
  const release = readRelease(informers, namespace, read.spec.releaseRef?.name);
  return {
    ...read,
    namespace,
    release,
    ...targetAndPrevious(informers, namespace, release, read.spec.environment),
  };
}

/**
 * What the target's tool reports, assessed against the previous revision (any revision when it is unknown),
 * with the progress deadline counted from `promotedAt`.
 */
export async function observeTarget(
  deps: GatherDeps,
  target: ReleaseTarget,
  previous: string | undefined,
  promotedAt: Date | undefined,
  opts: CallOptions,
): Promise<RollbackDelivery> {
  const obj = await readTarget(deps.client, target, opts);
  return assessTargetObject(deps, target, previous, promotedAt, obj);
}

/** {@link observeTarget} from the delivery object as the caller just read it (undefined: it does not exist). */
function assessTargetObject(
  deps: GatherDeps,
  target: ReleaseTarget,
  previous: string | undefined,
  promotedAt: Date | undefined,
  obj: KubeObject | undefined,
): RollbackDelivery {
  const looked = previous === undefined ? target : rollbackTarget(target, previous);
  const adapter = adapterFor(looked, { client: deps.client, now: () => deps.clock.now() });
  const observation = adapter.observeObject(looked, obj);
  const assessed = assessDelivery(observation, {
    ...(previous === undefined ? {} : { revision: previous }),
    ...(promotedAt === undefined ? {} : { promotedAt }),
  });
  return {
    state: assessed.state,
    message: assessed.message,
    ...(observation.revision === undefined ? {} : { revision: observation.revision }),
  };
}

/**
 * Where a pass reads the delivery object from: the informer's cache (enough to find that nothing is to be done), or
 * the API server (what a decision that writes is made from: the lock's resourceVersion precondition needs the
 * newest, and a stale cache must not decide a write).
 */
export type TargetSource = "cache" | "live";

/** The rollback decision's input for a Rollback task, and the delivery object as read (for the lock). */
export interface GatheredRollback {
  input: RollbackInput;
  target?: ReleaseTarget | undefined;
  targetObject?: KubeObject | undefined;
}

/**
 * Reads everything the rollback decision needs about one Rollback task: the Release and Environment from the
 * caches, the previous revision from the other releases' status, and the delivery object's lock and state from
 * `source` (see {@link TargetSource}). Reads only; undefined when the spec does not read.
 */
export async function gatherRollback(
  deps: GatherDeps,
  task: KubeObject,
  opts: CallOptions,
  source: TargetSource = "live",
): Promise<GatheredRollback | undefined> {
  const read = readRollbackContext(deps.informers, task);
  if (read === undefined) return undefined;
  const { namespace, release, target, previous } = read;
  const annotations = task.metadata.annotations ?? {};
  const envSpec = findEnvironment(deps.informers, read.spec.environment);
  const startedAt = annotations[ROLLBACK_STARTED_ANNOTATION];
  const evidence = rollbackEvidence(
    deps.rollbackSeal,
    task,
    read.spec.environment,
    release === undefined
      ? undefined
      : { name: release.name, uid: release.uid, rollbackOwner: release.spec.owners.rollbackOwner.name },
    admissionControlsIntact(),
  );
  const input: RollbackInput = {
    evidence,
    task: {
      namespace,
      name: task.metadata.name,
      uid: task.metadata.uid,
      spec: read.spec,
      phase: read.phase,
      recorded: annotations[ROLLBACK_ANNOTATION],
      policyNoted: annotations[POLICY_NOTED_ANNOTATION],
      startedAt,
    },
    ...(release === undefined ? {} : { release }),
    ...(envSpec === undefined ? {} : { environment: envSpec }),
    ...(previous === undefined ? {} : { previous }),
  };
  const open = read.spec.type === "Rollback" && read.phase !== "Succeeded";
  let targetObject: KubeObject | undefined;
  if (target !== undefined) {
    targetObject =
      source === "live" ? await readTarget(deps.client, target, opts) : cachedTarget(deps.informers, target);
    input.lockHolder = targetObject?.metadata.annotations?.[LOCK_ANNOTATION];
    if (envSpec !== undefined && release !== undefined && targetObject !== undefined) {
      const environment = read.spec.environment ?? "";
      const owned = targetOwnership(environment, envSpec.delivery, {
        ...targetIdentity(target, release.spec),
        labels: targetObject.metadata.labels ?? {},
      });
      if (!owned.pass) input.targetNotOwned = owned.message;
    }
    const deliveryKey = targetKey(target);
    if (input.lockHolder !== undefined && deliveryKey !== undefined && release !== undefined) {
      // The holder's environment must own the object as read in this pass (its labels included).
      const object = { ...targetIdentity(target, release.spec), labels: targetObject?.metadata.labels };
      input.lockHolderReal = lockHolderIsReal(
        deps.informers,
        deps.rollbackSeal,
        input.lockHolder,
        deliveryKey,
        object,
      );
    }
    const automatic =
      evidence.opened &&
      release !== undefined &&
      effectivePolicy(evidence, release.spec.rollbackPolicy.mode) === "Automatic";
    if (open && automatic && previous !== undefined) {
      const promotedAt = startedAt === undefined ? undefined : parseTimestamp(startedAt);
      input.delivery = assessTargetObject(deps, target, previous.revision, promotedAt, targetObject);
    }
  }
  return { input, target, targetObject };
}
