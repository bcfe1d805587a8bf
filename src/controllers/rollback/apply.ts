import { ChangeRequestStatus } from "../../api/v1alpha1/change-request.js";
import { API_VERSION } from "../../api/v1alpha1/group.js";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import { isAlreadyExists, isConflict, isNotFound } from "../../runtime/kube/api-error.js";
import type { CallOptions, KubeClient } from "../../runtime/kube/client.js";
import type { Informer } from "../../runtime/informer/informer.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { updateStatus } from "../../runtime/status-writer.js";
import { findLive } from "../change-control/children.js";
import { RELEASE_FIELD_MANAGER, RELEASE_LABEL } from "../release/apply.js";
import { LOCK_ANNOTATION, readTarget } from "../release/gather.js";
import { targetObjectRef } from "../release/target-object.js";
import { resources } from "../resources.js";
import { applyToTask } from "../task-apply.js";
import type { BreakGlassChange } from "./break-glass.js";
import type { ItemCompletion } from "./decide.js";
import { ROLLBACK_ANNOTATION, ROLLBACK_FIELD_MANAGER, ROLLBACK_TASK_ANNOTATION } from "./reasons.js";
import { stepFields, type StepRecord } from "./step-record.js";
import type { ValidationTaskPlan } from "./validation-task.js";
import { labelValue } from "../../runtime/kube/label-value.js";

/**
 * The rollback controller's writes. Every write is idempotent and carries a precondition: the target lock and
 * the task's recorded step are merge patches with the resourceVersion just read (a conflict means another
 * writer won and the pass is decided again from a fresh read); checklist items are server-side applies under
 * the controller's own field manager with the resourceVersion the decision was made from; children are created
 * only when absent, under deterministic names.
 */

/** Whether a lock write landed, or the object changed under us (retry the pass). */
export type LockOutcome = "Done" | "Contended";

/** Writes the rollback lock onto the delivery object read in this pass (`obj`), replacing `from` at most. */
export async function takeLock(
  client: KubeClient,
  target: ReleaseTarget,
  obj: KubeObject,
  key: string,
  opts: CallOptions,
): Promise<LockOutcome> {
  const ref = targetObjectRef(target);
  if (ref === undefined) return "Done";
  try {
    await client.patch(
      ref.rt,
      ref.name,
      ref.namespace,
      {
        metadata: { resourceVersion: obj.metadata.resourceVersion, annotations: { [LOCK_ANNOTATION]: key } },
      },
      { type: "merge", ...opts },
    );
  } catch (err) {
    if (isConflict(err)) return "Contended";
    throw err;
  }
  return "Done";
}

/** Removes the lock when it still names `key`; precondition: the resourceVersion read now. */
export async function freeLock(
  client: KubeClient,
  target: ReleaseTarget,
  key: string,
  opts: CallOptions,
): Promise<LockOutcome | "NotHeld"> {
  const ref = targetObjectRef(target);
  const obj = ref === undefined ? undefined : await readTarget(client, target, opts);
  if (ref === undefined || obj?.metadata.annotations?.[LOCK_ANNOTATION] !== key) return "NotHeld";
  try {
    await client.patch(
      ref.rt,
      ref.name,
      ref.namespace,
      {
        metadata: { resourceVersion: obj.metadata.resourceVersion, annotations: { [LOCK_ANNOTATION]: null } },
      },
      { type: "merge", ...opts },
    );
  } catch (err) {
    if (isConflict(err)) return "Contended";
    if (isNotFound(err)) return "NotHeld";
    throw err;
  }
  return "Done";
}

/**
 * Records a step on the Rollback task in one merge patch: the annotations, and the log entry appended to the log
 * as read. The resourceVersion makes it all-or-nothing against concurrent edits (the log is a plain list, so a
 * patch without it could drop someone's entry). A conflict (409) is retried once on the task as read again: the step
 * was taken (the target is written), and a pass that found it unrecorded would skip its audit entry.
 */
export async function recordStep(
  client: KubeClient,
  task: KubeObject,
  record: StepRecord,
  opts: CallOptions,
): Promise<KubeObject> {
  try {
    return await patchStep(client, task, record, opts);
  } catch (err) {
    if (!isConflict(err)) throw err;
    // Another writer (a status write, a person's edit) moved the task since the decision read it; the step was
    // taken already (the target was written), so it is recorded on the task as it is now, unless that records it.
    const fresh = await client.get(
      resources.deploymentTask,
      task.metadata.name,
      task.metadata.namespace,
      opts,
    );
    if (fresh.metadata.annotations?.[ROLLBACK_ANNOTATION] === record.annotation) return fresh;
    return patchStep(client, fresh, record, opts);
  }
}

/**
 * Records a step on the task only as `task` is: a merge patch whose precondition is its resourceVersion. A conflict
 * is thrown, so the step is decided again from the task as it is now (the step took nothing from outside the task).
 */
export function recordStepOnCopy(
  client: KubeClient,
  task: KubeObject,
  record: StepRecord,
  opts: CallOptions,
): Promise<KubeObject> {
  return patchStep(client, task, record, opts);
}

function patchStep(
  client: KubeClient,
  task: KubeObject,
  record: StepRecord,
  opts: CallOptions,
): Promise<KubeObject> {
  const { annotations, log } = stepFields((task.spec as { log?: unknown } | undefined)?.log, record);
  return client.patch(
    resources.deploymentTask,
    task.metadata.name,
    task.metadata.namespace,
    {
      metadata: { resourceVersion: task.metadata.resourceVersion, annotations },
      ...(log === undefined ? {} : { spec: { log } }),
    },
    { type: "merge", ...opts },
  );
}

/**
 * Sets the controller's item of a task (state, completedBy, evidence) and its verdict annotation by server-side
 * apply under its own field manager, with the resourceVersion the decision was made from. Forced, as the drift
 * check's completion is: the item was Pending when decided (the precondition guarantees it still is), and a person
 * who once set it back to Pending owns its `state`; the force takes over exactly these fields of this item.
 */
export async function applyItem(
  client: KubeClient,
  task: KubeObject,
  annotation: { key: string; value: string },
  item: ItemCompletion | undefined,
  opts: CallOptions,
): Promise<KubeObject> {
  return applyToTask(
    client,
    task,
    {
      fieldManager: ROLLBACK_FIELD_MANAGER,
      annotations: { [annotation.key]: annotation.value },
      items: item === undefined ? undefined : [item],
    },
    opts,
  );
}

function releaseOwner(name: string, uid: string | undefined): Record<string, unknown> {
  return { apiVersion: API_VERSION, kind: "Release", name, uid, controller: true };
}

/**
 * Opens the RollbackValidation task when it exists neither in the cache nor on the server, as the Release
 * controller opens its check tasks (server-side apply under `stagegate-operator`, owned by the Release, labelled
 * with it); an existing task is never rewritten. Returns whether it was opened.
 */
export async function ensureValidationTask(
  client: KubeClient,
  tasks: Informer,
  namespace: string,
  plan: ValidationTaskPlan,
  opts: CallOptions,
): Promise<boolean> {
  if ((await findLive(client, tasks, resources.deploymentTask, namespace, plan.name, opts)) !== undefined) {
    return false;
  }
  await client.apply(
    resources.deploymentTask,
    {
      apiVersion: API_VERSION,
      kind: "DeploymentTask",
      metadata: {
        name: plan.name,
        namespace,
        labels: { [RELEASE_LABEL]: labelValue(plan.release.name) },
        annotations: { [ROLLBACK_TASK_ANNOTATION]: plan.rollbackTask },
        ownerReferences: [releaseOwner(plan.release.name, plan.release.uid)],
      },
      spec: plan.spec,
    },
    { fieldManager: RELEASE_FIELD_MANAGER, ...opts },
  );
  return true;
}

/**
 * Creates the emergency ChangeRequest of a break-glass rollback (POST; an AlreadyExists answer means it exists),
 * owned by the Release. Its spec is fixed at creation and never updated. Returns it and whether this call
 * created it, so the creation is audited once.
 */
export async function ensureBreakGlassChange(
  client: KubeClient,
  changes: Informer,
  namespace: string,
  release: { name: string; uid?: string | undefined },
  change: BreakGlassChange,
  opts: CallOptions,
): Promise<{ created: boolean; object: KubeObject | undefined }> {
  const rt = resources.changeRequest;
  const existing = await findLive(client, changes, rt, namespace, change.name, opts);
  if (existing !== undefined) return { created: false, object: existing };
  try {
    const object = await client.create(
      rt,
      {
        apiVersion: API_VERSION,
        kind: "ChangeRequest",
        metadata: {
          name: change.name,
          namespace,
          labels: { [RELEASE_LABEL]: labelValue(release.name) },
          ownerReferences: [releaseOwner(release.name, release.uid)],
        },
        spec: change.spec,
      },
      namespace,
      opts,
    );
    return { created: true, object };
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    return { created: false, object: await findLive(client, undefined, rt, namespace, change.name, opts) };
  }
}

/** Stamps `status.usedAt` on the break-glass change once: it was carried out by the rollback. */
export async function markChangeUsed(
  client: KubeClient,
  change: KubeObject,
  usedAt: string,
  opts: CallOptions,
): Promise<void> {
  await updateStatus(
    client,
    resources.changeRequest,
    change,
    (current) => {
      const parsed = ChangeRequestStatus.safeParse(current.status ?? {});
      if (parsed.success && parsed.data.usedAt !== undefined) return { status: current.status };
      return { status: { ...((current.status ?? {}) as Record<string, unknown>), usedAt } };
    },
    opts,
  );
}
