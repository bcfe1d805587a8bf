import { Conditions } from "../../api/v1alpha1/condition.js";
import { NO_CONFLICT, SCHEDULE_CONFLICT } from "../../calendar/conflict-condition.js";
import { findCondition, setCondition, type ConditionUpdate } from "../../runtime/conditions.js";
import { Controller, type ReconcileRequest, type ReconcileResult } from "../../runtime/controller.js";
import type { Informer } from "../../runtime/informer/informer.js";
import { objectKey, type KubeObject } from "../../runtime/kube/object.js";
import type { ResourceType } from "../../runtime/kube/resource.js";
import { updateStatus } from "../../runtime/status-writer.js";
import type { ControllerDeps } from "../deps.js";
import type { Informers } from "../informers.js";
import { resources } from "../resources.js";
import { ScheduleIndex } from "./index.js";

type PartyKind = "ChangeRequest" | "DeploymentTask";

/** The key of the sweep: no object has a name with a colon, so it never names one. */
export const SWEEP_KEY = ":sweep";

type Shown = ReturnType<typeof findCondition>;
const shownByObject = new WeakMap<KubeObject, Shown | null>();

/**
 * The ScheduleConflict condition an object shows, parsed once per cached object: the caches replace an object when it
 * changes and never edit one, and every sweep asks it of every object (issue 12, ADR 0054).
 */
function shownCondition(current: KubeObject): Shown | undefined {
  const known = shownByObject.get(current);
  if (known !== undefined) return known ?? undefined;
  const conditions = Conditions.safeParse(
    (current.status as { conditions?: unknown } | undefined)?.conditions ?? [],
  );
  const found = conditions.success ? findCondition(conditions.data, SCHEDULE_CONFLICT) : undefined;
  shownByObject.set(current, found ?? null);
  return found;
}

/**
 * The ScheduleConflict condition an object should have, given the one it has: the desired True condition; False
 * (NoConflict) once a conflict it showed went away; nothing when it never had one (no write for objects without
 * conflicts). Pure: the reconcile and the watch filter both use it.
 */
export function nextConflictCondition(
  current: KubeObject,
  desired: ConditionUpdate | undefined,
): ConditionUpdate | undefined {
  if (desired !== undefined) return desired;
  const shown = shownCondition(current);
  return shown === undefined ? undefined : NO_CONFLICT;
}

/** Whether an object's stored condition already says what it should. */
function settled(current: KubeObject, next: ConditionUpdate | undefined): boolean {
  if (next === undefined) return true;
  const shown = shownCondition(current);
  return (
    shown !== undefined &&
    shown.status === next.status &&
    shown.reason === next.reason &&
    shown.message === next.message
  );
}

function scheduleController(
  deps: ControllerDeps,
  informers: Informers,
  index: ScheduleIndex,
  kind: PartyKind,
  primary: Informer,
  rt: ResourceType,
): Controller {
  const desiredFor = (obj: KubeObject) =>
    index.desired(kind, obj.metadata.namespace ?? "", obj.metadata.name);

  let sweptVersion = -1;
  async function reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
    if (req.key === SWEEP_KEY) {
      // One sweep for any number of input changes queued meanwhile: wake only objects whose condition is stale.
      sweptVersion = index.inputsVersion;
      for (const key of stale()) controller.enqueue(key);
      return {};
    }
    const obj = primary.store.get(req.key);
    if (obj === undefined || obj.metadata.deletionTimestamp !== undefined) return {};
    const now = deps.clock.now();
    const { written } = await updateStatus(
      deps.client,
      rt,
      obj,
      (current) => {
        const next = nextConflictCondition(current, desiredFor(current));
        if (next === undefined || settled(current, next)) return { status: current.status };
        const status = (current.status ?? {}) as { conditions?: unknown };
        const parsed = Conditions.safeParse(status.conditions ?? []);
        return {
          status: { ...status, conditions: setCondition(parsed.success ? parsed.data : [], next, now) },
        };
      },
      { signal: req.signal },
    );
    if (written)
      req.log.info(
        { controller: `schedule-${kind}`, key: req.key },
        "Updated the schedule conflict condition",
      );
    return {};
  }

  const stale = (): string[] =>
    primary.store
      .list()
      .flatMap((obj) => (settled(obj, nextConflictCondition(obj, desiredFor(obj))) ? [] : [objectKey(obj)]));
  // A change to the calendar's inputs queues the sweep (once, however many changes arrive before it runs).
  const wake = (): string[] => (index.inputsVersion === sweptVersion ? [] : [SWEEP_KEY]);

  const controller = new Controller(
    {
      name: `schedule-${kind === "ChangeRequest" ? "changes" : "tasks"}`,
      primary,
      workers: 1,
      reconcile,
      watches: [
        informers.changeRequests,
        informers.deploymentTasks,
        informers.environments,
        informers.namespaces,
      ].map((informer) => ({ informer, toKeys: wake })),
    },
    deps.log,
    deps.metrics,
  );
  return controller;
}

/**
 * The schedule controllers: one for ChangeRequests and one for DeploymentTasks, sharing one conflict index built
 * from the operator's caches. Each writes only the ScheduleConflict condition of its object, with the object's
 * resourceVersion as precondition (other controllers keep conditions they do not own), and only when it changes.
 */
export function createScheduleControllers(deps: ControllerDeps, informers: Informers): Controller[] {
  const index = new ScheduleIndex(informers, deps.operatorIdentity);
  return [
    scheduleController(
      deps,
      informers,
      index,
      "ChangeRequest",
      informers.changeRequests,
      resources.changeRequest,
    ),
    scheduleController(
      deps,
      informers,
      index,
      "DeploymentTask",
      informers.deploymentTasks,
      resources.deploymentTask,
    ),
  ];
}
