import { ReleaseStatus, type ReleaseSpec } from "../../api/v1alpha1/release.js";
import { transitionId, type AuditRecorder } from "../../audit/recorder.js";
import { isConflict, isNotFound } from "../../runtime/kube/api-error.js";
import type { CallOptions, KubeClient } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { Logger } from "../../runtime/logging.js";
import { resources } from "../resources.js";
import { LOCK_ANNOTATION, readTarget } from "./gather.js";
import { DELIVERY_FIELD_MANAGER } from "../../gitops/delivery.js";
import { lockWrite, lockWriteId } from "./lock-reality.js";
import { describeTarget } from "./out-of-band.js";
import { targetObjectRef } from "./target-object.js";

/** The finalizer that keeps a Release until the target locks it holds are freed. */
export const LOCK_FINALIZER = "stagegate.io/target-locks";

/** What adding or removing the finalizer and freeing locks needs. */
export interface FinalizerContext {
  client: KubeClient;
  audit: AuditRecorder;
  log: Logger;
  opts: CallOptions;
}

/** Whether the release carries the lock finalizer. */
export function hasLockFinalizer(release: KubeObject): boolean {
  return release.metadata.finalizers?.includes(LOCK_FINALIZER) === true;
}

/**
 * Adds the lock finalizer before the release takes its first lock, so deleting the release cannot leave a target
 * locked for ever. The resourceVersion read is the precondition: a concurrent change fails with 409 and the
 * reconcile is retried from a fresh read. Returns the release as written (or as given when it had the finalizer),
 * so the pass's status write carries its resourceVersion rather than the one from before this patch.
 */
export async function addLockFinalizer(ctx: FinalizerContext, release: KubeObject): Promise<KubeObject> {
  if (hasLockFinalizer(release)) return release;
  return setFinalizers(ctx, release, [...(release.metadata.finalizers ?? []), LOCK_FINALIZER]);
}

/**
 * Frees a deleted release's locks: every target of its spec whose lock annotation still names it is unlocked
 * (precondition: the resourceVersion read now), then the finalizer is removed. Returns "Retry" when a target
 * changed under us, so the caller looks again shortly.
 */
export async function finalizeRelease(
  ctx: FinalizerContext,
  release: KubeObject,
  spec: ReleaseSpec | undefined,
  self: string,
): Promise<"Done" | "Retry"> {
  if (!hasLockFinalizer(release)) return "Done";
  for (const target of spec?.targets ?? []) {
    const ref = targetObjectRef(target);
    const obj = ref === undefined ? undefined : await readTarget(ctx.client, target, ctx.opts);
    if (ref === undefined || obj?.metadata.annotations?.[LOCK_ANNOTATION] !== self) continue;
    // Recorded before the patch (the release is going, so the lock goes too), under the transition of the
    // promotion that took it: a crash after the patch cannot lose the entry, and a retry does not double it.
    await ctx.audit.record({
      actor: "stagegate-operator",
      action: "TargetUnlocked",
      object: auditObject(release),
      details: {
        environment: target.environment,
        target: describeTarget(target),
        why: "The release was deleted while it held the lock.",
      },
      ...unlockTransition(release, target.environment, lockWriteId(lockWrite(obj, LOCK_ANNOTATION))),
    });
    try {
      await ctx.client.patch(
        ref.rt,
        ref.name,
        ref.namespace,
        {
          metadata: {
            resourceVersion: obj.metadata.resourceVersion,
            annotations: { [LOCK_ANNOTATION]: null },
          },
        },
        { type: "merge", fieldManager: DELIVERY_FIELD_MANAGER, ...ctx.opts },
      );
    } catch (err) {
      if (isConflict(err)) return "Retry";
      if (isNotFound(err)) continue;
      throw err;
    }
    ctx.log.info({ environment: target.environment }, "Freed the target lock of a deleted release");
  }
  const rest = (release.metadata.finalizers ?? []).filter((f) => f !== LOCK_FINALIZER);
  try {
    await setFinalizers(ctx, release, rest);
  } catch (err) {
    if (isConflict(err)) return "Retry";
    if (isNotFound(err)) return "Done";
    throw err;
  }
  return "Done";
}

/**
 * The unlock's transition: the same id as the unlock of a finished promotion (the promotion and when its lock was
 * written), so only one of them is kept.
 */
function unlockTransition(
  release: KubeObject,
  environment: string,
  lockedAt: string,
): { transition?: string } {
  const { uid } = release.metadata;
  if (uid === undefined) return {};
  const status = ReleaseStatus.safeParse(release.status ?? {});
  const entry = status.success ? status.data.environments?.find((e) => e.name === environment) : undefined;
  const parts = [environment, entry?.promotions ?? 1, lockedAt] as const;
  return { transition: transitionId("Release", uid, "TargetUnlocked", ...parts) };
}

function auditObject(release: KubeObject): { kind: string; namespace: string; name: string; uid?: string } {
  return {
    kind: "Release",
    namespace: release.metadata.namespace ?? "",
    name: release.metadata.name,
    ...(release.metadata.uid === undefined ? {} : { uid: release.metadata.uid }),
  };
}

async function setFinalizers(
  ctx: FinalizerContext,
  release: KubeObject,
  finalizers: string[],
): Promise<KubeObject> {
  return ctx.client.patch(
    resources.release,
    release.metadata.name,
    release.metadata.namespace,
    { metadata: { resourceVersion: release.metadata.resourceVersion, finalizers } },
    { type: "merge", ...ctx.opts },
  );
}
