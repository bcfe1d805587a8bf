import { bindingDifference, type GateBinding } from "../../api/v1alpha1/binding.js";
import { countsForGate } from "../../policy/check-task-counts.js";
import { admissionControlsIntact } from "../admission-guard/guard.js";
import { ChangeRequestSpec, ChangeRequestStatus } from "../../api/v1alpha1/change-request.js";
import { artifactOf, releaseBinding, targetIdentity } from "../../api/v1alpha1/release-binding.js";
import { desiredSourceDigest } from "../../gitops/desired-source.js";
import { EnvironmentSpec } from "../../api/v1alpha1/environment.js";
import { effectiveEnvironment } from "../../workflow/effective-environment.js";
import type { ReleaseEnvironmentStatus, ReleaseSpec } from "../../api/v1alpha1/release.js";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import { adapterFor } from "../../gitops/adapters.js";
import { assessDelivery, DELIVERY_FIELD_MANAGER } from "../../gitops/delivery.js";
import { fluxGitRepository, gitRepositoryRequest } from "../../gitops/flux.js";
import type { Clock } from "../../runtime/clock.js";
import { isNotFound } from "../../runtime/kube/api-error.js";
import type { CallOptions, KubeClient } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { Informers } from "../informers.js";
import { argoProjectWindows } from "./argo-project-windows.js";
import { deliveryResources } from "../resources.js";
import { rollbackEvidence } from "../rollback/evidence.js";
import { lockHolderIsReal } from "../rollback/lock-holder.js";
import { findEnvironment } from "../task-context.js";
import { targetOwnership, type DeliveryObjectView } from "../../policy/delivery-ownership.js";
import type { RollbackSeal } from "../rollback/seal.js";
import { revisionMatches, targetRevision, type DeliveryObservation } from "./delivery.js";
import type { EnvironmentInput } from "./environment-step.js";
import type { ReleaseTaskView } from "./follow-delivery.js";
import { changeRequestName, releaseKey } from "./names.js";
import { promotionPosition } from "./promotion-ordinal.js";
import { lockAppliedWithRequest, lockReality, lockWrittenAt, type LockReality } from "./lock-reality.js";
import { pinnedGitRepository, sharedSourceProblem } from "./shared-source.js";
import { otherClaims, RELEASES_BY_TARGET, type TargetClaim } from "./target-claims.js";
import { targetKey, targetObjectRef } from "./target-object.js";
import { parsedTask, taskMemo, taskVerdict } from "./parsed-tasks.js";

/** The annotation on a delivery object naming the release (`namespace/name`) that holds it. */
export const LOCK_ANNOTATION = "stagegate.io/locked-by";

/** The index of DeploymentTasks by the release they belong to (`namespace/release`). */
export const TASKS_BY_RELEASE = "release-of-task";

/** What was read about one environment: the decision's input, and the delivery object as read (for the lock). */
export interface GatheredEnvironment {
  input: EnvironmentInput;
  target?: ReleaseTarget | undefined;
  /** The delivery object as read in this pass; undefined when it does not exist or there is no target. */
  targetObject?: KubeObject | undefined;
}

/** Everything the gather reads from: the client for delivery objects, the caches, the clock. */
export interface GatherDeps {
  client: KubeClient;
  informers: Informers;
  clock: Clock;
  /** The operator's own user name: only a change admission stamped as requested by it can open a gate. */
  operatorIdentity: string;
  /** Tells the Rollback tasks that may hold an environment (operator-sealed) from hand-made ones. */
  rollbackSeal?: RollbackSeal | undefined;
}

/**
 * Reads the inputs of every pipeline environment of a release: the Environment and the release's tasks and
 * ChangeRequest from the caches; the target's lock holder and delivery state from the delivery object (cached; see
 * `gatherTarget`). Reads only.
 */
export async function gatherEnvironments(
  deps: GatherDeps,
  release: {
    namespace: string;
    name: string;
    uid: string;
    spec: ReleaseSpec;
    stored: readonly ReleaseEnvironmentStatus[];
    promotedAt: (env: string) => Date | undefined;
  },
  opts: CallOptions,
): Promise<GatheredEnvironment[]> {
  const self = releaseKey(release.namespace, release.name);
  const tasks = tasksByEnvironment(deps.informers.deploymentTasks.store.byIndex(TASKS_BY_RELEASE, self));
  const proof = rollbackProof(deps, release.namespace, release.name, release.spec);
  const gathered: GatheredEnvironment[] = [];
  for (const name of release.spec.pipeline) {
    const envObj = deps.informers.environments.store.get(name);
    const parsed = envObj === undefined ? undefined : EnvironmentSpec.safeParse(envObj.spec);
    // As it applies to this release: the approvals its workflow template asks for here raise the Environment's.
    const spec =
      parsed?.success === true ? effectiveEnvironment(name, parsed.data, release.spec.workflow) : undefined;
    const target = release.spec.targets.find((t) => t.environment === name);
    const binding = target === undefined ? undefined : releaseBinding(release, name, target);
    const input: EnvironmentInput = {
      name,
      spec,
      namespaceLabels: namespaceLabelsOf(deps.informers, release.namespace),
      tasks: tasksOf(tasks.get(name) ?? [], name, binding, proof),
    };
    if (target !== undefined && binding !== undefined) {
      const found = changeRequestOf(deps, release, binding, target);
      input.changeRequest = found.change;
      input.changeOrdinal = found.ordinal;
    }
    let targetObject: KubeObject | undefined;
    if (spec !== undefined && target !== undefined) {
      // The pass that asks the delivery tool (the promotion on record, the request pending, the lock not this
      // release's yet) reads the target live: its one write takes the lock with the request (ADR 0037).
      const pending = release.stored.find((e) => e.name === name)?.deliveryRequestPending === true;
      targetObject = await gatherTarget(deps, target, self, pending, opts);
      input.admissionControls = admissionControlsIntact();
      input.targetLabels = targetObject === undefined ? undefined : (targetObject.metadata.labels ?? {});
      input.syncWindows = argoProjectWindows(deps.informers, target, targetObject);
      input.sourceDigest =
        targetObject === undefined
          ? undefined
          : desiredSourceDigest(targetIdentity(target, release.spec).kind, targetObject);
      input.sharedSource = sharedSourceProblem(
        name,
        spec.delivery,
        target,
        {
          kustomizations: deps.informers.fluxKustomizations.store.list(),
          helmReleases: deps.informers.fluxHelmReleases.store.list(),
        },
        targetObject,
      );
      input.lockHolder = targetObject?.metadata.annotations?.[LOCK_ANNOTATION];
      // Only detection in flight asks what the pinned GitRepository says: read it while the promotion is in flight.
      const inFlight = release.stored.find((e) => e.name === name)?.state === "Deploying";
      const pinned = inFlight ? pinnedGitRepository(spec.delivery, target, targetObject) : undefined;
      const sourceRequest =
        pinned === undefined ? undefined : await readSourceRequest(deps.client, pinned, opts);
      input.delivery = observeDelivery(deps, target, targetObject, release.promotedAt(name), sourceRequest);
      if (input.lockHolder === self) {
        input.lockWithRequest = requestMade(
          targetObject,
          input.delivery,
          targetRevision(target, release.spec),
        );
      }
      const key = targetKey(target);
      if (key !== undefined) input.claims = otherClaims(deps.informers.releases.store, key, self);
      input.recordedBy = recordedPromotion(deps, input.claims, {
        ...targetIdentity(target, release.spec),
        labels: input.targetLabels,
      });
      if (input.lockHolder !== undefined && input.lockHolder !== self && key !== undefined) {
        input.lock = judgeLock(deps, input.lockHolder, key, targetObject, {
          ...targetIdentity(target, release.spec),
          labels: input.targetLabels,
        });
      }
    }
    gathered.push({ input, target, targetObject });
  }
  return gathered;
}

/**
 * Whether a target whose lock names this release shows the request made (ADR 0037): the lock was written by the
 * operator's own apply of a request, or the object is told to deliver (or runs) the revision anyway, as when the
 * lock went on alone because the request was already there. A lock written alone by an earlier version, before its
 * request, shows neither, and the idempotent request is asked again.
 */
function requestMade(
  targetObject: KubeObject | undefined,
  delivery: DeliveryObservation | undefined,
  revision: string,
): boolean {
  if (lockAppliedWithRequest(targetObject, LOCK_ANNOTATION, DELIVERY_FIELD_MANAGER)) return true;
  return revisionMatches(delivery?.requested, revision) || revisionMatches(delivery?.revision, revision);
}

/**
 * Another release whose promotion to this target is on record with the request still marked pending, in an
 * environment that owns the object as read in this pass: it takes the lock with its request in its next pass (or
 * has just taken it), so a release wanting the target waits for it (ADR 0037). The claims come from the releases
 * cache, which only the operator's status writes fill.
 */
function recordedPromotion(
  deps: GatherDeps,
  claims: readonly TargetClaim[] | undefined,
  object: DeliveryObjectView,
): string | undefined {
  return claims?.find(
    (c) =>
      c.state === "Deploying" &&
      c.requestPending === true &&
      targetOwnership(c.environment, findEnvironment(deps.informers, c.environment)?.delivery, object).pass,
  )?.release;
}

/**
 * What the holder of a target's lock is to a release that wants the target: a release promoting there or a proven
 * rollback (wait), a release taking it right now (wait a little), or a forgery or a leftover (take it over). The
 * holder's environment must own the object as read in this pass (its labels included).
 */
function judgeLock(
  deps: GatherDeps,
  holder: string,
  key: string,
  targetObject: KubeObject | undefined,
  object: DeliveryObjectView,
): LockReality {
  const owns = (environment: string): boolean =>
    targetOwnership(environment, findEnvironment(deps.informers, environment)?.delivery, object).pass;
  return lockReality({
    holder,
    held: lockHolderIsReal(deps.informers, deps.rollbackSeal, holder, key, object, RELEASES_BY_TARGET),
    releases: deps.informers.releases.store,
    key,
    owns,
    lockedAt: lockWrittenAt(targetObject, LOCK_ANNOTATION),
    now: deps.clock.now(),
  });
}

/** What a Rollback task's evidence is judged against besides the task version itself, and the judgement. */
interface RollbackProof {
  /** Everything the evidence reads for this environment besides the task version (the seal key is the process's). */
  context(environment: string): string;
  proven(task: KubeObject, environment: string): boolean;
}

/** Whether a Rollback task of this release may hold an environment: sealed by the operator, or the owner's. */
function rollbackProof(deps: GatherDeps, namespace: string, name: string, spec: ReleaseSpec): RollbackProof {
  const uid = deps.informers.releases.store.get(releaseKey(namespace, name))?.metadata.uid;
  const release = { name, uid, rollbackOwner: spec.owners.rollbackOwner.name };
  const admission = admissionControlsIntact();
  // Keyed by everything the evidence reads besides the task version itself (the seal key is the process's own),
  // spelled once per environment rather than once per task.
  const contexts = new Map<string, string>();
  const context = (environment: string): string => {
    let spelled = contexts.get(environment);
    if (spelled === undefined) {
      spelled = JSON.stringify([environment, namespace, name, uid, release.rollbackOwner, admission]);
      contexts.set(environment, spelled);
    }
    return spelled;
  };
  return {
    context,
    proven: (task, environment) =>
      taskVerdict(
        task,
        context(environment),
        () => rollbackEvidence(deps.rollbackSeal, task, environment, release, admission).opened,
      ),
  };
}

/**
 * The release's tasks by the environment their spec names (in the cache's order); a task whose spec does not read
 * is in none, as the gate never counted it.
 */
function tasksByEnvironment(tasks: readonly KubeObject[]): Map<string, KubeObject[]> {
  const byEnvironment = new Map<string, KubeObject[]>();
  for (const obj of tasks) {
    const environment = parsedTask(obj).spec?.environment;
    if (environment === undefined) continue;
    const list = byEnvironment.get(environment);
    if (list === undefined) byEnvironment.set(environment, [obj]);
    else list.push(obj);
  }
  return byEnvironment;
}

/**
 * The view of each task of one environment. A view depends on the task version, the environment, the binding and
 * the rollback evidence's context only, so it is built once per version and all three, and shared (frozen) by the
 * passes after: a release with hundreds of tasks (alerts firing) re-reads each of them at every task event.
 */
function tasksOf(
  tasks: readonly KubeObject[],
  environment: string,
  binding: GateBinding | undefined,
  proof: RollbackProof,
): ReleaseTaskView[] {
  // Whether a task counts depends on its version and the binding only: judged once per cached version.
  const bindingContext = binding === undefined ? undefined : `gate:${JSON.stringify(binding)}`;
  const viewContext = JSON.stringify(["view", bindingContext ?? null, proof.context(environment)]);
  return tasks.flatMap((obj) => {
    const view = taskMemo(obj, viewContext, () => viewOf(obj, environment, binding, bindingContext, proof));
    return view === undefined ? [] : [view];
  });
}

function viewOf(
  obj: KubeObject,
  environment: string,
  binding: GateBinding | undefined,
  bindingContext: string | undefined,
  proof: RollbackProof,
): ReleaseTaskView | undefined {
  const { spec, phase } = parsedTask(obj);
  if (spec === undefined || spec.environment !== environment) return undefined;
  return Object.freeze({
    name: obj.metadata.name,
    type: spec.type,
    phase,
    createdAt: obj.metadata.creationTimestamp,
    alert: spec.alert?.name,
    countsForGate:
      binding !== undefined &&
      bindingContext !== undefined &&
      taskVerdict(
        obj,
        bindingContext,
        () => countsForGate({ metadata: obj.metadata, spec: { binding: spec.binding } }, binding).counts,
      ),
    ...(spec.type === "Rollback" ? { opened: proof.proven(obj, environment) } : {}),
  });
}

/** How many ordinals past predecessors' changes a release looks for a free name (a bound on the scan). */
const MAX_PREDECESSORS = 20;

/**
 * The ChangeRequest of this binding's next (or current) promotion and its ordinal, and whether it can be believed:
 * only a change admission stamped as requested by the operator itself, owned by this release (UID), carrying
 * exactly this binding may open the gate. Anything else with the expected name is reported, never used; but a
 * change bound to an earlier release of the same name (deleted and re-created, its changes kept for retention)
 * belongs to that release's record: the next ordinal is used instead, so the new release is not stranded.
 */
function changeRequestOf(
  deps: GatherDeps,
  release: { namespace: string; uid: string; stored: readonly ReleaseEnvironmentStatus[]; spec: ReleaseSpec },
  binding: GateBinding,
  target: ReleaseTarget,
): { change: EnvironmentInput["changeRequest"]; ordinal: number } {
  const stored = release.stored.find((e) => e.name === binding.environment);
  const position = promotionPosition(stored, targetRevision(target, release.spec), artifactOf(release.spec));
  let ordinal = position.ordinal;
  const lookUp = (n: number): KubeObject | undefined =>
    deps.informers.changeRequests.store.get(`${release.namespace}/${changeRequestName(binding, n)}`);
  let obj = lookUp(ordinal);
  while (
    !position.promoted &&
    obj !== undefined &&
    boundToPredecessor(obj, binding) &&
    ordinal < position.ordinal + MAX_PREDECESSORS
  ) {
    ordinal += 1;
    obj = lookUp(ordinal);
  }
  if (obj === undefined) return { change: undefined, ordinal };
  const status = ChangeRequestStatus.safeParse(obj.status ?? {});
  return {
    ordinal,
    change: {
      name: changeRequestName(binding, ordinal),
      resolution: status.success ? status.data.resolution : undefined,
      closedAt: status.success ? status.data.closedAt : undefined,
      usedAt: status.success ? status.data.usedAt : undefined,
      untrusted: changeDistrust(obj, binding, deps.operatorIdentity),
    },
  };
}

/** The labels of a namespace as cached ({} when it has none); undefined when the cache does not hold it. */
export function namespaceLabelsOf(
  informers: Informers,
  namespace: string,
): Record<string, string> | undefined {
  const ns = informers.namespaces.store.get(namespace);
  return ns === undefined ? undefined : (ns.metadata.labels ?? {});
}

/** Whether a change is bound to another release of the same name (an earlier one, deleted and re-created). */
function boundToPredecessor(obj: KubeObject, binding: GateBinding): boolean {
  const spec = ChangeRequestSpec.safeParse(obj.spec);
  const other = spec.success ? spec.data.binding?.release : undefined;
  return other !== undefined && other.name === binding.release.name && other.uid !== binding.release.uid;
}

/** Why a change object cannot be believed for `binding`, as a clause; undefined when it can. */
export function changeDistrust(
  obj: KubeObject,
  binding: GateBinding,
  operatorIdentity: string,
): string | undefined {
  const spec = ChangeRequestSpec.safeParse(obj.spec);
  if (!spec.success) return "its spec does not parse";
  const requester = spec.data.requestedBy?.username;
  if (requester !== operatorIdentity) {
    return `it was requested by ${requester ?? "nobody admission stamped"}, not opened by Stagegate (${operatorIdentity})`;
  }
  const owned = obj.metadata.ownerReferences?.some(
    (o) => o.kind === "Release" && o.uid === binding.release.uid,
  );
  if (owned !== true)
    return `it is not owned by release ${binding.release.name} (uid ${binding.release.uid})`;
  // What change control judges (the environment whose policy applies, the type) must be what the binding says:
  // an edit of either could send the change through another environment's policy or a pre-approved type.
  if (spec.data.environment !== binding.environment) {
    return `its spec.environment is ${spec.data.environment}, not ${binding.environment} that it is bound to`;
  }
  if (spec.data.releaseRef.name !== binding.release.name) {
    return `its spec.releaseRef names ${spec.data.releaseRef.name}, not ${binding.release.name} that it is bound to`;
  }
  if (spec.data.type !== "Normal")
    return `it is of type ${spec.data.type}, not the Normal change Stagegate opens`;
  return bindingDifference(binding, spec.data.binding);
}

/**
 * The target's delivery object as the gate judges it: from the informer cache, except in the pass that asks the
 * delivery tool (`pending` with the cached lock not this release's: one live read per promotion) and when its lock
 * names another holder (when the lock was written lives in `managedFields`; a contested lock is rare), which read it
 * live. A cached copy never opens anything
 * on its own: every write to the object carries the resourceVersion of the copy judged here as its precondition, so a
 * change since (a stale cache) makes the write fail with 409 and the pass is decided again (ADR 0033).
 */
async function gatherTarget(
  deps: GatherDeps,
  target: ReleaseTarget,
  self: string,
  pending: boolean,
  opts: CallOptions,
): Promise<KubeObject | undefined> {
  const cached = cachedTarget(deps.informers, target);
  const holder = cached?.metadata.annotations?.[LOCK_ANNOTATION];
  if (cached !== undefined && (holder === self || (holder === undefined && !pending))) return cached;
  return readTarget(deps.client, target, opts);
}

/** The target's delivery object in the informer cache; undefined when the cache holds none. */
export function cachedTarget(informers: Informers, target: ReleaseTarget): KubeObject | undefined {
  const ref = targetObjectRef(target);
  if (ref === undefined) return undefined;
  const informer =
    ref.rt === deliveryResources.argoCDApplication
      ? informers.argoCDApplications
      : ref.rt === deliveryResources.fluxHelmRelease
        ? informers.fluxHelmReleases
        : informers.fluxKustomizations;
  return informer.store.get(`${ref.namespace}/${ref.name}`);
}

/** The target's delivery object, live; undefined when it does not exist. */
export async function readTarget(
  client: KubeClient,
  target: ReleaseTarget,
  opts: CallOptions,
): Promise<KubeObject | undefined> {
  const ref = targetObjectRef(target);
  if (ref === undefined) return undefined;
  try {
    return await client.get(ref.rt, ref.name, ref.namespace, opts);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * What the GitRepository `namespace/name` tells Flux to fetch (its pinned commit, or the ref that replaced it), read
 * live in this pass like the delivery object; undefined when it does not exist.
 */
async function readSourceRequest(
  client: KubeClient,
  repository: string,
  opts: CallOptions,
): Promise<string | undefined> {
  const [namespace = "", name = ""] = repository.split("/");
  try {
    return gitRepositoryRequest(await client.get(fluxGitRepository, name, namespace, opts));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * What the adapter sees on the target's delivery object, read once in this pass (for the lock too), assessed
 * against the revision the target must run. `sourceRequest` is what a Kustomization's pinned GitRepository tells
 * Flux to fetch, which the Kustomization itself does not say.
 */
function observeDelivery(
  deps: GatherDeps,
  target: ReleaseTarget,
  targetObject: KubeObject | undefined,
  promotedAt: Date | undefined,
  sourceRequest: string | undefined,
): DeliveryObservation {
  const adapter = adapterFor(target, { client: deps.client, now: () => deps.clock.now() });
  const observed = adapter.observeObject(target, targetObject);
  const observation =
    observed.exists && observed.requested === undefined && sourceRequest !== undefined
      ? { ...observed, requested: sourceRequest }
      : observed;
  const revision = adapter.expectedRevision(target);
  const assessed = assessDelivery(observation, {
    ...(revision === undefined ? {} : { revision }),
    ...(promotedAt === undefined ? {} : { promotedAt }),
  });
  // Deployed means the adapter matched the expected revision (also by the ref it was requested by), so report that;
  // Failed means the failure was for the expected revision (assessDelivery ignores an earlier revision's), so report
  // the revision that failed, not the one still running (Argo CD keeps the old one in status.sync after a failure).
  const running =
    assessed.state === "Deployed" && revision !== undefined
      ? revision
      : assessed.state === "Failed"
        ? (observation.failure?.revision ?? revision ?? observation.revision)
        : observation.revision;
  return {
    state: assessed.state,
    ...(running === undefined ? {} : { revision: running }),
    ...(observation.requested === undefined ? {} : { requested: observation.requested }),
    ...(observation.lastOperation === undefined ? {} : { lastOperation: observation.lastOperation }),
    message: assessed.message,
  };
}
