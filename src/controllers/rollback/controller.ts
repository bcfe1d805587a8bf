import { adapterFor } from "../../gitops/adapters.js";
import { Controller, type ReconcileRequest, type ReconcileResult } from "../../runtime/controller.js";
import { formatTimestamp } from "../../runtime/duration.js";
import type { CallOptions } from "../../runtime/kube/client.js";
import { objectKey, type KubeObject } from "../../runtime/kube/object.js";
import type { ControllerDeps } from "../deps.js";
import { convergeTask } from "../fresh-task.js";
import type { Informers } from "../informers.js";
import { releaseTargetKeys } from "../release/target-claims.js";
import { objectDeliveryKey } from "../release/target-object.js";
import { rollbackLockKey, rollbackValidationTaskName } from "../release/names.js";
import { deliveryResources, resources } from "../resources.js";
import {
  applyItem,
  ensureBreakGlassChange,
  ensureValidationTask,
  freeLock,
  markChangeUsed,
  recordStep,
  recordStepOnCopy,
  takeLock,
} from "./apply.js";
import { changeRequestedOf } from "../change-control/change-requested.js";
import { recordBreakGlass } from "./break-glass-audit.js";
import { decideRollback, restsOnTheCache, type RollbackDecision } from "./decide.js";
import { gatherRollback, type GatheredRollback } from "./gather.js";
import { ROLLBACK_RELEASES_BY_TARGET } from "./previous-revision.js";
import { LOCK_RETRY_MS, ROLLBACK_ANNOTATION, RollbackReason } from "./reasons.js";
import { reconcileValidation } from "./validation-reconcile.js";
import { firstLookOf } from "../deployment-task/first-look.js";

/** The index of Rollback tasks by the release they belong to (`namespace/release`). */
const ROLLBACK_TASKS_BY_RELEASE = "rollback-task-release";
/** How many times a pass whose task write lost a race is decided again from a fresh read. */
const MAX_ATTEMPTS = 3;

function rollbackTaskReleaseKey(obj: KubeObject): string[] {
  const spec = obj.spec as { type?: unknown; releaseRef?: { name?: unknown } } | undefined;
  const name = spec?.releaseRef?.name;
  if (spec?.type !== "Rollback" || typeof name !== "string") return [];
  return [`${obj.metadata.namespace ?? ""}/${name}`];
}

/** A Rollback task's key and its validation task's key: a change to either's inputs wakes both. */
function rollbackKeys(task: KubeObject): string[] {
  const namespace = task.metadata.namespace ?? "";
  return [objectKey(task), `${namespace}/${rollbackValidationTaskName(task.metadata.name)}`];
}

/**
 * The rollback controller: acts on Rollback tasks according to the release's rollback policy (Automatic rolls the
 * target back to the last Verified revision through the same Argo CD or Flux adapter, under the rollback lock and
 * through a freeze as break-glass; Manual tells the rollback owner what to do; Disabled holds and says why), opens
 * the RollbackValidation task once a rollback succeeded, and completes it when the target is healthy on the
 * previous revision and the alert has resolved. Tasks, their Releases and the delivery objects wake it.
 */
export function createRollbackController(deps: ControllerDeps, informers: Informers): Controller {
  const tasks = informers.deploymentTasks;
  const rt = resources.deploymentTask;
  tasks.store.addIndex(ROLLBACK_TASKS_BY_RELEASE, rollbackTaskReleaseKey);
  informers.releases.store.addIndex(ROLLBACK_RELEASES_BY_TARGET, releaseTargetKeys);
  const gatherDeps = { client: deps.client, informers, clock: deps.clock, rollbackSeal: deps.rollbackSeal };
  // New Rollback tasks are looked at here first, then handed to the DeploymentTask controller (ADR 0039).
  const firstLook = firstLookOf(informers);
  firstLook.attach();

  async function reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
    try {
      return await reconcileTask(req);
    } finally {
      firstLook.looked(req.key);
    }
  }

  async function reconcileTask(req: ReconcileRequest): Promise<ReconcileResult> {
    const cached = tasks.store.get(req.key);
    if (cached === undefined || cached.metadata.deletionTimestamp !== undefined) return {};
    const type = (cached.spec as { type?: unknown } | undefined)?.type;
    if (type === "RollbackValidation") return reconcileValidation({ ...gatherDeps, deps }, req, cached);
    if (type !== "Rollback") return {};
    return reconcileRollback(req, cached);
  }

  /**
   * Converges one Rollback task. A decision that writes to the task is confirmed against a fresh read first (the
   * cache may not have seen a person's latest edit); a task write that conflicts is decided again from a fresh
   * read. Audit entries precede the task write that records the step (and follow the writes to other objects),
   * each under a transition, so a retry meets them again and none is lost or doubled; events follow the writes.
   */
  async function reconcileRollback(req: ReconcileRequest, cached: KubeObject): Promise<ReconcileResult> {
    const opts = { signal: req.signal };
    return convergeTask<{ gathered: GatheredRollback; decision: RollbackDecision; preconditioned?: true }>(
      cached,
      {
        client: deps.client,
        req,
        opts,
        maxAttempts: MAX_ATTEMPTS,
        async decide(task) {
          // The cached delivery object tells a pass with nothing to do; a decision that acts is made again from
          // the object read live, so no write rests on the cache (ADR 0039). A change the cache has not seen yet
          // wakes this task again when its watch event arrives.
          const cachedLook = await gatherRollback(gatherDeps, task, opts, "cache");
          if (cachedLook === undefined) return { done: {} };
          const now = deps.clock.now();
          const onCache = decideRollback(cachedLook.input, now);
          // The Manual notice writes the task alone, under the resourceVersion of the copy it was decided from: the
          // precondition confirms it, with no live read of the Application or the task (ADR 0054).
          if (restsOnTheCache(onCache)) {
            return {
              decision: { gathered: cachedLook, decision: onCache, preconditioned: true },
              writesTask: true,
              confirmedByPrecondition: true,
            };
          }
          const enough = onCache.kind === "Skip" || cachedLook.target === undefined;
          const gathered = enough ? cachedLook : await gatherRollback(gatherDeps, task, opts, "live");
          if (gathered === undefined) return { done: {} };
          const decision = gathered === cachedLook ? onCache : decideRollback(gathered.input, now);
          const writesTask = decision.finish !== undefined || decision.record !== undefined;
          return { decision: { gathered, decision }, writesTask };
        },
        write: (task, { gathered, decision, preconditioned }) =>
          execute(req, task, gathered, decision, opts, preconditioned === true),
      },
    );
  }

  async function execute(
    req: ReconcileRequest,
    task: KubeObject,
    gathered: GatheredRollback,
    decision: RollbackDecision,
    opts: CallOptions,
    preconditioned = false,
  ): Promise<ReconcileResult> {
    const namespace = task.metadata.namespace ?? "";
    const lock = rollbackLockKey(namespace, task.metadata.name);
    const release = gathered.input.release;
    const { target, targetObject } = gathered;
    if (decision.kind === "Skip") {
      req.log.debug({ reason: decision.reason, detail: decision.message }, "Left the rollback task alone");
      return decision.requeueAfterMs === undefined ? {} : { requeueAfterMs: decision.requeueAfterMs };
    }
    if (decision.takeLock !== undefined && target !== undefined && targetObject !== undefined) {
      if ((await takeLock(deps.client, target, targetObject, lock, opts)) === "Contended") {
        req.log.info({}, "Found the target changed under the rollback lock; trying again");
        return { requeueAfterMs: LOCK_RETRY_MS };
      }
      req.log.info({ lock, from: decision.takeLock.from }, "Took the target lock for the rollback");
    }
    if (decision.promote !== undefined) {
      const adapter = adapterFor(decision.promote, { client: deps.client, now: () => deps.clock.now() });
      const result = await adapter.promote(decision.promote, { release: lock }, req.signal);
      if (result.requested) req.log.info({ lock }, `Requested the rollback: ${result.message}`);
    }
    let written = task;
    if (decision.breakGlass !== undefined && release !== undefined) {
      const change = await ensureBreakGlassChange(
        deps.client,
        informers.changeRequests,
        namespace,
        release,
        decision.breakGlass,
        opts,
      );
      if (change.object !== undefined) {
        // The change is on record before the rollback it authorises (the ChangeRequest controller records the
        // same entry later; the store keeps one), and the break-glass is recorded in every pass that finds the
        // change, under one transition, so a crash after the create cannot lose it (ADR 0031).
        const requested = changeRequestedOf(change.object);
        if (requested !== undefined) await deps.audit.record(requested);
        await recordBreakGlass(deps, task, release.name, decision.breakGlass, change.object);
        await markChangeUsed(deps.client, change.object, formatTimestamp(deps.clock.now()), opts);
      }
      if (change.created) {
        req.log.info({ changeRequest: decision.breakGlass.name }, "Opened the break-glass emergency change");
        const message =
          `The rollback passes the release freeze ${decision.breakGlass.freezes.join(", ")} as break-glass; ` +
          `emergency ChangeRequest ${decision.breakGlass.name} was opened for review after the fact.`;
        await deps.events.record(
          rt,
          task,
          { type: "Warning", reason: RollbackReason.BreakGlassRollback, message },
          opts,
        );
      }
    }
    // The step's entries go on record after the writes to other objects (lock, sync request, emergency change)
    // and before the task write that shows the step: a crash in between leaves the step unrecorded on the task,
    // the next pass decides it again under the same transitions, and the store keeps one entry (ADR 0031).
    for (const entry of decision.audit) await deps.audit.record(entry);
    if (decision.finish !== undefined) {
      const { item, annotation } = decision.finish;
      written = await applyItem(
        deps.client,
        written,
        { key: ROLLBACK_ANNOTATION, value: annotation },
        item,
        opts,
      );
    }
    if (decision.record !== undefined) {
      // A step decided from the cache is written only onto the copy it was decided from: a conflict reaches
      // convergeTask, which decides again from a fresh read (ADR 0054).
      written = preconditioned
        ? await recordStepOnCopy(deps.client, written, decision.record, opts)
        : await recordStep(deps.client, written, decision.record, opts);
    }
    if (decision.freeLock === true && target !== undefined) {
      const freed = await freeLock(deps.client, target, lock, opts);
      if (freed === "Contended") return { requeueAfterMs: LOCK_RETRY_MS };
      if (freed === "Done") req.log.info({ lock }, "Freed the rollback lock");
    }
    if (decision.openValidation !== undefined) {
      const opened = await ensureValidationTask(deps.client, tasks, namespace, decision.openValidation, opts);
      if (opened) req.log.info({ task: decision.openValidation.name }, "Opened the rollback validation task");
    }
    for (const event of decision.events) await deps.events.record(rt, written, event, opts);
    if (decision.record !== undefined || decision.finish !== undefined) {
      req.log.info({ step: decision.reason }, decision.message);
    } else {
      req.log.debug({ step: decision.reason }, decision.message);
    }
    return decision.requeueAfterMs === undefined ? {} : { requeueAfterMs: decision.requeueAfterMs };
  }

  /** The Rollback tasks (and their validation tasks) of every release targeting a delivery object. */
  function tasksOfTarget(key: string): string[] {
    return informers.releases.store
      .byIndex(ROLLBACK_RELEASES_BY_TARGET, key)
      .flatMap((release) => tasks.store.byIndex(ROLLBACK_TASKS_BY_RELEASE, objectKey(release)))
      .flatMap(rollbackKeys);
  }

  return new Controller(
    {
      name: "rollback",
      primary: tasks,
      workers: deps.workers,
      reconcile,
      watches: [
        {
          informer: tasks,
          // A Rollback task's change (a person's Done, the alert resolved) is its validation task's input too.
          toKeys: (event) =>
            (event.object.spec as { type?: unknown } | undefined)?.type === "Rollback"
              ? [
                  `${event.object.metadata.namespace ?? ""}/${rollbackValidationTaskName(event.object.metadata.name)}`,
                ]
              : [],
        },
        {
          informer: informers.releases,
          // Its own tasks, and those of every release sharing a target (its status names the previous revision).
          toKeys: (event) => [
            ...new Set([
              ...tasks.store
                .byIndex(ROLLBACK_TASKS_BY_RELEASE, objectKey(event.object))
                .flatMap(rollbackKeys),
              ...releaseTargetKeys(event.object).flatMap(tasksOfTarget),
            ]),
          ],
        },
        ...(
          [
            [informers.argoCDApplications, deliveryResources.argoCDApplication],
            [informers.fluxKustomizations, deliveryResources.fluxKustomization],
            [informers.fluxHelmReleases, deliveryResources.fluxHelmRelease],
          ] as const
        ).map(([informer, deliveryRt]) => ({
          informer,
          toKeys: (event: { object: KubeObject }) =>
            tasksOfTarget(objectDeliveryKey(event.object, deliveryRt)),
        })),
      ],
    },
    deps.log,
    deps.metrics,
  );
}
