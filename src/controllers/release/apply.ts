import { dimensionsOf, inheritedDimensionLabels, type Dimensions } from "../../api/v1alpha1/dimensions.js";
import { API_VERSION } from "../../api/v1alpha1/group.js";
import { kustomizationSource } from "./shared-source.js";
import { ChangeRequestStatus } from "../../api/v1alpha1/change-request.js";
import { adapterFor } from "../../gitops/adapters.js";
import { formatTimestamp } from "../../runtime/duration.js";
import { isConflict } from "../../runtime/kube/api-error.js";
import type { CallOptions, KubeClient } from "../../runtime/kube/client.js";
import type { Informer } from "../../runtime/informer/informer.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { ResourceType } from "../../runtime/kube/resource.js";
import type { Logger } from "../../runtime/logging.js";
import { transitionId, type AuditObject, type AuditRecorder } from "../../audit/recorder.js";
import { updateStatus } from "../../runtime/status-writer.js";
import { findLive } from "../change-control/children.js";
import type { Informers } from "../informers.js";
import { resources } from "../resources.js";
import type {
  ConfirmPromotion,
  EnsureChangeRequest,
  EnsureCheckTask,
  Promote,
  ReleaseAction,
  ReleaseLock,
} from "./actions.js";
import { LOCK_ANNOTATION, type GatheredEnvironment } from "./gather.js";
import { addLockFinalizer } from "./finalizer.js";
import { DELIVERY_FIELD_MANAGER, type PromotionResult } from "../../gitops/delivery.js";
import { lockWrite, lockWriteId } from "./lock-reality.js";
import { describeTarget } from "./out-of-band.js";
import { targetObjectRef } from "./target-object.js";
import { labelValue } from "../../runtime/kube/label-value.js";

/** The field manager of every object the Release controller writes. */
export const RELEASE_FIELD_MANAGER = "stagegate-operator";
/** The label naming the Release a child belongs to. */
export const RELEASE_LABEL = "stagegate.io/release";

/** What applying a decision needs: the client, the caches, the clock, the release and what was gathered. */
export interface ApplyContext {
  client: KubeClient;
  informers: Informers;
  now: () => Date;
  log: Logger;
  audit: AuditRecorder;
  /** The release; replaced by what a write of it returned (the lock finalizer), so later writes are not stale. */
  release: KubeObject;
  /** This release's lock key, `namespace/name`. */
  self: string;
  environments: readonly GatheredEnvironment[];
  opts: CallOptions;
}

/**
 * How applying went: done, or the target changed since the gate judged it (its lock moved, or a write against the
 * judged resourceVersion met a conflict) and the pass must be decided again.
 */
export type ApplyOutcome = "Applied" | "LockContended";

/** Executes a decision's actions in order; each is idempotent. Stops at the first lock conflict. */
export async function applyActions(
  ctx: ApplyContext,
  actions: readonly ReleaseAction[],
): Promise<ApplyOutcome> {
  for (const action of actions) {
    switch (action.kind) {
      case "EnsureCheckTask":
        await ensureCheckTask(ctx, action);
        break;
      case "EnsureChangeRequest":
        await ensureChangeRequest(ctx, action);
        break;
      case "Promote":
        if ((await promote(ctx, action)) === "LockContended") return "LockContended";
        break;
      case "ConfirmPromotion":
        await confirmPromotion(ctx, action);
        break;
      case "ReleaseLock":
        if ((await releaseLock(ctx, action)) === "LockContended") return "LockContended";
        break;
    }
  }
  return "Applied";
}

function childMetadata(ctx: ApplyContext, name: string): Record<string, unknown> {
  const release = ctx.release.metadata;
  return {
    name,
    namespace: release.namespace,
    // The release's dimensions go with its children, for insights filtered by team, service or tag (ADR 0042).
    labels: { ...inheritedDimensionLabels(release.labels), [RELEASE_LABEL]: labelValue(release.name) },
    ownerReferences: [
      { apiVersion: API_VERSION, kind: "Release", name: release.name, uid: release.uid, controller: true },
    ],
  };
}

/**
 * Creates a child of the Release (server-side apply, owner reference, release label) only when it does not exist
 * in the cache or on the server; an existing child is never rewritten. Returns whether it was created.
 */
async function ensureChild(
  ctx: ApplyContext,
  informer: Informer,
  rt: ResourceType,
  name: string,
  spec: Record<string, unknown>,
): Promise<boolean> {
  const namespace = ctx.release.metadata.namespace ?? "";
  if ((await findLive(ctx.client, informer, rt, namespace, name, ctx.opts)) !== undefined) return false;
  await ctx.client.apply(
    rt,
    { apiVersion: API_VERSION, kind: rt.kind, metadata: childMetadata(ctx, name), spec },
    { fieldManager: RELEASE_FIELD_MANAGER, ...ctx.opts },
  );
  return true;
}

async function ensureCheckTask(ctx: ApplyContext, action: EnsureCheckTask): Promise<void> {
  const created = await ensureChild(
    ctx,
    ctx.informers.deploymentTasks,
    resources.deploymentTask,
    action.name,
    {
      type: action.type,
      title: action.title,
      description: action.description,
      releaseRef: action.releaseRef,
      environment: action.environment,
      binding: action.binding,
      owners: action.owners,
      checklist: action.checklist,
      ...(action.sla === undefined ? {} : { sla: action.sla }),
      ...(action.dueAt === undefined ? {} : { dueAt: action.dueAt }),
      ...(action.dependsOn === undefined ? {} : { dependsOn: action.dependsOn }),
    },
  );
  if (created) ctx.log.info({ task: action.name, environment: action.environment }, "Opened check task");
}

async function ensureChangeRequest(ctx: ApplyContext, action: EnsureChangeRequest): Promise<void> {
  const created = await ensureChild(ctx, ctx.informers.changeRequests, resources.changeRequest, action.name, {
    releaseRef: action.releaseRef,
    environment: action.environment,
    binding: action.binding,
    type: action.type,
    justification: action.justification,
    plannedWindow: action.plannedWindow,
    artifacts: action.artifacts,
  });
  if (created)
    ctx.log.info({ changeRequest: action.name, environment: action.environment }, "Requested change");
}

function gathered(ctx: ApplyContext, environment: string): GatheredEnvironment | undefined {
  return ctx.environments.find((e) => e.input.name === environment);
}

function releaseObject(ctx: ApplyContext): AuditObject {
  const { name, namespace, uid } = ctx.release.metadata;
  return { kind: "Release", namespace: namespace ?? "", name, ...(uid === undefined ? {} : { uid }) };
}

/** The id of a promotion's lock, delivery or unlock fact (ADR 0031): the same in every pass that sees it. */
function promotionTransition(
  ctx: ApplyContext,
  action: "TargetLocked" | "ReleasePromoted",
  environment: string,
  promotion: number,
): { transition?: string } {
  const { uid } = ctx.release.metadata;
  return uid === undefined
    ? {}
    : { transition: transitionId("Release", uid, action, environment, promotion) };
}

/** The lock's and the promotion's facts, as one pass states them. */
type PromotionFacts = Pick<Promote, "environment" | "target" | "revision" | "promotion">;

/**
 * Takes over a lock another holder left that holds nothing (a forgery or a leftover: the gate opened on it, ADR 0023)
 * with a merge patch of the annotation carrying the resourceVersion judged, so the request that follows writes
 * against the object as locked. The one promotion path that writes the lock apart from the request.
 */
async function takeOverLock(
  ctx: ApplyContext,
  action: PromotionFacts,
  target: KubeObject,
): Promise<ApplyOutcome> {
  const ref = targetObjectRef(action.target);
  const env = gathered(ctx, action.environment);
  if (ref === undefined || env === undefined) return "Applied";
  try {
    env.targetObject = await ctx.client.patch(
      ref.rt,
      ref.name,
      ref.namespace,
      {
        metadata: {
          resourceVersion: target.metadata.resourceVersion,
          annotations: { [LOCK_ANNOTATION]: ctx.self },
        },
      },
      { type: "merge", fieldManager: DELIVERY_FIELD_MANAGER, ...ctx.opts },
    );
  } catch (err) {
    if (isConflict(err)) return "LockContended";
    throw err;
  }
  return "Applied";
}

/** Who the lock was taken from, for the audit entry: nobody, or the holder that held nothing and why. */
function takenFromOf(
  ctx: ApplyContext,
  environment: string,
  before: string | undefined,
): Record<string, string> {
  if (before === undefined || before === ctx.self) return {};
  const lock = gathered(ctx, environment)?.input.lock;
  return { lockTakenFrom: before, ...(lock?.kind === "Forged" ? { why: lock.why } : {}) };
}

async function recordLocked(
  ctx: ApplyContext,
  action: PromotionFacts,
  takenFrom: Record<string, string>,
): Promise<void> {
  await ctx.audit.record({
    actor: "stagegate-operator",
    action: "TargetLocked",
    object: releaseObject(ctx),
    details: {
      environment: action.environment,
      target: describeTarget(action.target),
      revision: action.revision,
      ...takenFrom,
    },
    ...promotionTransition(ctx, "TargetLocked", action.environment, action.promotion),
  });
}

/**
 * The release's well-formed dimensions as the promotion's entry records them, so insights group and filter by
 * what the labels said when it shipped, whatever they say later (ADR 0042). Nothing when it has none.
 */
function recordedDimensions(ctx: ApplyContext): { dimensions?: Dimensions } {
  const dimensions = dimensionsOf(inheritedDimensionLabels(ctx.release.metadata.labels));
  return Object.keys(dimensions).length === 0 ? {} : { dimensions };
}

async function recordPromoted(
  ctx: ApplyContext,
  action: PromotionFacts & Pick<Promote, "changeRequest">,
  result: PromotionResult,
): Promise<void> {
  await ctx.audit.record({
    actor: "stagegate-operator",
    action: "ReleasePromoted",
    object: releaseObject(ctx),
    details: {
      environment: action.environment,
      target: describeTarget(action.target),
      revision: action.revision,
      requested: result.requested,
      message: result.message,
      ...(action.changeRequest === undefined ? {} : { changeRequest: action.changeRequest }),
      ...recordedDimensions(ctx),
    },
    ...promotionTransition(ctx, "ReleasePromoted", action.environment, action.promotion),
  });
}

/**
 * Takes the target's lock and asks the adapter to deliver a promotion the status already records, in one write of
 * the delivery object against the copy the gate judged (its resourceVersion the precondition: a change since
 * conflicts and the pass is decided again, so neither lands on a version nobody judged, and two releases cannot
 * both take the lock). The lock naming this release then says the request was made (ADR 0037). A lock left by a
 * holder that holds nothing is taken over by its own write first; when the adapter finds the request already made
 * and writes nothing, the lock is written alone. The lock and the promotion are audited once written, then the
 * change is marked used.
 */
async function promote(ctx: ApplyContext, action: Promote): Promise<ApplyOutcome> {
  const target = gathered(ctx, action.environment)?.targetObject;
  const ref = targetObjectRef(action.target);
  if (target === undefined || ref === undefined) {
    // The delivery object is gone: the adapter reports why (its error is retried with backoff).
    await adapterFor(action.target, { client: ctx.client, now: ctx.now }).promote(
      action.target,
      { release: ctx.self },
      ctx.opts.signal,
    );
    return "Applied";
  }
  // A release created before the release webhook added the lock finalizer gets it here, before it holds a lock.
  ctx.release = await addLockFinalizer({ ...ctx }, ctx.release);
  const before = target.metadata.annotations?.[LOCK_ANNOTATION];
  const takenFrom = takenFromOf(ctx, action.environment, before);
  if (before !== undefined && before !== ctx.self) {
    if ((await takeOverLock(ctx, action, target)) === "LockContended") return "LockContended";
  }
  const env = gathered(ctx, action.environment);
  const judged = env?.targetObject ?? target;
  // The request carries the lock even when a takeover or an earlier version wrote it already: the lock written by the
  // request's own apply is what later passes read as the request made (`lockAppliedWithRequest`).
  const unlocked = judged.metadata.annotations?.[LOCK_ANNOTATION] !== ctx.self;
  // The GitRepository the gate cleared (read from the delivery object of this pass): the adapter pins no other.
  const source = kustomizationSource(judged);
  let result: PromotionResult;
  try {
    result = await adapterFor(action.target, { client: ctx.client, now: ctx.now }).promote(
      action.target,
      {
        release: ctx.self,
        judged,
        ...(source === undefined ? {} : { source }),
        lock: { annotation: LOCK_ANNOTATION, holder: ctx.self },
      },
      ctx.opts.signal,
    );
    // The request was made before (by hand, or the target already runs the revision): the lock goes on alone.
    if (unlocked && result.locked !== true) {
      if ((await takeOverLock(ctx, action, judged)) === "LockContended") return "LockContended";
    }
  } catch (err) {
    if (isConflict(err)) return "LockContended";
    throw err;
  }
  ctx.log.info(
    { environment: action.environment, revision: action.revision, ...takenFrom },
    "Locked target for promotion",
  );
  await recordLocked(ctx, action, takenFrom);
  ctx.log.info(
    { environment: action.environment, revision: action.revision, requested: result.requested },
    `Promoted release: ${result.message}`,
  );
  await recordPromoted(ctx, action, result);
  // After the promotion's entry, so the trail reads promoted-then-closed (closing the change follows usedAt).
  if (action.changeRequest !== undefined) await markChangeUsed(ctx, action.changeRequest);
  return "Applied";
}

/**
 * A pass that finds the lock naming this release while its promotion is recorded with the request pending: the write
 * that took the lock made the request. Records both facts again under their transitions (the store keeps one entry
 * each; one a crash lost after the write is written now) and marks the change used when the cache shows it unused.
 */
async function confirmPromotion(ctx: ApplyContext, action: ConfirmPromotion): Promise<void> {
  await recordLocked(ctx, action, {});
  await recordPromoted(ctx, action, {
    requested: true,
    message: "The lock and the request were written together; recorded after a restart.",
  });
  if (action.changeRequest === undefined) return;
  const cached = ctx.informers.changeRequests.store.get(
    `${ctx.release.metadata.namespace ?? ""}/${action.changeRequest}`,
  );
  const status = ChangeRequestStatus.safeParse(cached?.status ?? {});
  if (cached !== undefined && status.success && status.data.usedAt !== undefined) return;
  await markChangeUsed(ctx, action.changeRequest);
}

/** Stamps `status.usedAt` on the change once; the ChangeRequest controller then closes it. */
async function markChangeUsed(ctx: ApplyContext, name: string): Promise<void> {
  const rt = resources.changeRequest;
  const namespace = ctx.release.metadata.namespace ?? "";
  const obj = await findLive(ctx.client, undefined, rt, namespace, name, ctx.opts);
  if (obj === undefined) return;
  const usedAt = formatTimestamp(ctx.now());
  await updateStatus(
    ctx.client,
    rt,
    obj,
    (current) => {
      const parsed = ChangeRequestStatus.safeParse(current.status ?? {});
      if (parsed.success && parsed.data.usedAt !== undefined) return { status: current.status };
      return { status: { ...((current.status ?? {}) as Record<string, unknown>), usedAt } };
    },
    ctx.opts,
  );
}

/**
 * Removes the lock annotation when it still names this release; precondition: the resourceVersion gathered. The
 * entry is recorded first (the release is Verified or Failed there, so the lock goes whatever happens next; a
 * conflict is retried under the same transition), so a crash after the patch cannot lose it.
 */
async function releaseLock(ctx: ApplyContext, action: ReleaseLock): Promise<ApplyOutcome> {
  const { environment } = action;
  const target = gathered(ctx, environment)?.target;
  const ref = target === undefined ? undefined : targetObjectRef(target);
  if (target === undefined || ref === undefined) return "Applied";
  // The object as gathered (cached): the patch carries its resourceVersion, so a lock changed since conflicts and
  // the pass is decided again, with the entry retried under the transition of the lock it then finds.
  const obj = gathered(ctx, environment)?.targetObject;
  if (obj?.metadata.annotations?.[LOCK_ANNOTATION] !== ctx.self) return "Applied";
  // The lock being freed is told apart by when it was written (a lock put back in this release's name later, by
  // a forger, is another fact); a retry after a conflict meets the same write.
  const { uid } = ctx.release.metadata;
  const lockedAt = lockWriteId(lockWrite(obj, LOCK_ANNOTATION));
  await ctx.audit.record({
    actor: "stagegate-operator",
    action: "TargetUnlocked",
    object: releaseObject(ctx),
    details: { environment, target: describeTarget(target) },
    ...(uid === undefined
      ? {}
      : {
          transition: transitionId("Release", uid, "TargetUnlocked", environment, action.promotion, lockedAt),
        }),
  });
  try {
    await ctx.client.patch(
      ref.rt,
      ref.name,
      ref.namespace,
      {
        metadata: { resourceVersion: obj.metadata.resourceVersion, annotations: { [LOCK_ANNOTATION]: null } },
      },
      { type: "merge", fieldManager: DELIVERY_FIELD_MANAGER, ...ctx.opts },
    );
  } catch (err) {
    if (isConflict(err)) return "LockContended";
    throw err;
  }
  ctx.log.info({ environment }, "Released target lock");
  return "Applied";
}
