import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import { adapterFor } from "../../gitops/adapters.js";
import type { DeliveryObservation } from "../../gitops/delivery.js";
import { Controller, type ReconcileRequest, type ReconcileResult } from "../../runtime/controller.js";
import { jsonEqual } from "../../runtime/deep-equal.js";
import { objectKey, type KubeObject } from "../../runtime/kube/object.js";
import type { ControllerDeps } from "../deps.js";
import { convergeTask } from "../fresh-task.js";
import type { Informers } from "../informers.js";
import { resources } from "../resources.js";
import { findRelease, parseTask } from "../task-context.js";
import { wakeOnChange } from "../wake-on-change.js";
import { completeItems, recordVerdict } from "./apply.js";
import { decideDriftCheck, type DriftDecision } from "./decide.js";
import { planDriftCheck, type DriftCheckPlan } from "./eligibility.js";
import { describeTarget } from "./evidence.js";
import { DRIFT_CHECK_ANNOTATION, DRIFT_RECHECK_MS } from "./reasons.js";

/** The index of ConfigDrift tasks by the release they belong to (`namespace/release`). */
const DRIFT_TASKS_BY_RELEASE = "drift-check-release";
/** How many times a write that lost a race is decided again from a fresh read before backing off. */
const MAX_ATTEMPTS = 3;

/** Tuning for tests; production uses the defaults. */
export interface DriftCheckOptions {
  /** How long a task whose target is not in sync waits before the next look. Defaults to DRIFT_RECHECK_MS. */
  recheckAfterMs?: number;
}

/** The `namespace/release` key of a ConfigDrift task; nothing for any other task. */
function driftTaskReleaseKey(obj: KubeObject): string[] {
  const spec = obj.spec as { type?: unknown; releaseRef?: { name?: unknown } } | undefined;
  const name = spec?.releaseRef?.name;
  if (spec?.type !== "ConfigDrift" || typeof name !== "string") return [];
  return [`${obj.metadata.namespace ?? ""}/${name}`];
}

/** A Release's targets as stored, to tell a change of targets from any other change. */
function targetsOf(release: KubeObject | undefined): unknown {
  return (release?.spec as { targets?: unknown } | undefined)?.targets;
}

/**
 * The drift check: completes a release's open ConfigDrift task by itself when the environment's Argo CD
 * Application or Flux object reports in sync at check time, with that observation as evidence, an audit entry
 * and an event. A target that is not in sync leaves the checklist alone, records why on the task, and is
 * looked at again every `recheckAfterMs`; a task a person has started, or with no target to look at, is left to
 * people. Tasks wake it, and so does their Release (a target added or changed).
 */
export function createDriftCheckController(
  deps: ControllerDeps,
  informers: Informers,
  options: DriftCheckOptions = {},
): Controller {
  const tasks = informers.deploymentTasks;
  const rt = resources.deploymentTask;
  const recheckAfterMs = options.recheckAfterMs ?? DRIFT_RECHECK_MS;
  tasks.store.addIndex(DRIFT_TASKS_BY_RELEASE, driftTaskReleaseKey);

  /** Gathers the task and its Release from the cache and decides whether and against what to check it. */
  function plan(task: KubeObject): DriftCheckPlan | undefined {
    const read = parseTask(task);
    if (read === undefined) return undefined;
    const release = findRelease(informers, task.metadata.namespace ?? "", read.spec.releaseRef?.name);
    return planDriftCheck({
      task: { metadata: task.metadata, spec: read.spec, status: read.status },
      release: release === undefined ? undefined : { spec: release.spec },
    });
  }

  /**
   * Converges one task. A completion is first confirmed against a fresh read (the cache may not have seen a
   * person's latest edit) and audited before it is written, under a transition (the task, its generation and
   * its Pending drift items), so it is audited once and never lost: a write that conflicts, or a crash before it, is decided again
   * and the store keeps the first entry (should a person have completed the items in that instant, the entry
   * records a check whose write then did not land). The target is observed once per pass, so the audit entry and
   * the evidence describe the same look.
   */
  async function reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
    const cached = tasks.store.get(req.key);
    if (cached === undefined || cached.metadata.deletionTimestamp !== undefined) return {};
    const opts = { signal: req.signal };
    let looked: { target: ReleaseTarget; observation: DeliveryObservation } | undefined;
    return convergeTask<{ decision: DriftDecision; target: ReleaseTarget; observation: DeliveryObservation }>(
      cached,
      {
        client: deps.client,
        req,
        opts,
        maxAttempts: MAX_ATTEMPTS,
        async decide(task) {
          const planned = plan(task);
          if (planned === undefined || planned.kind === "Skip") {
            if (planned !== undefined) {
              req.log.debug({ reason: planned.reason, detail: planned.message }, "Left the task to people");
            }
            return { done: {} };
          }
          if (looked === undefined || !jsonEqual(looked.target, planned.target)) {
            const adapter = adapterFor(planned.target, { client: deps.client, now: () => deps.clock.now() });
            looked = {
              target: planned.target,
              observation: await adapter.observe(planned.target, req.signal),
            };
          }
          const decision = decideDriftCheck(
            planned,
            {
              namespace: task.metadata.namespace ?? "",
              name: task.metadata.name,
              uid: task.metadata.uid,
              generation: task.metadata.generation,
            },
            looked.observation,
            task.metadata.annotations?.[DRIFT_CHECK_ANNOTATION],
            recheckAfterMs,
          );
          return {
            decision: { decision, target: planned.target, observation: looked.observation },
            writesTask: decision.kind === "Complete",
          };
        },
        async write(task, { decision, target, observation }) {
          if (decision.kind === "Wait") {
            if (decision.annotation !== undefined) {
              const written = await recordVerdict(deps.client, task, decision.annotation, opts);
              if (decision.event !== undefined) await deps.events.record(rt, written, decision.event, opts);
              req.log.info(
                { reason: decision.reason, target: describeTarget(target) },
                "Found the target not in sync; left the drift check open",
              );
            }
            return { requeueAfterMs: decision.requeueAfterMs };
          }
          await deps.audit.record(decision.audit);
          const written = await completeItems(deps.client, task, decision.annotation, decision.items, opts);
          await deps.events.record(rt, written, decision.event, opts);
          req.log.info(
            { target: describeTarget(target), revision: observation.revision },
            "Completed the drift check from an in-sync target",
          );
          return {};
        },
      },
    );
  }

  return new Controller(
    {
      name: "driftcheck",
      primary: tasks,
      workers: deps.workers,
      reconcile,
      watches: [
        {
          informer: informers.releases,
          // Only what the check reads wakes it: the release's targets (its status changes often and says nothing).
          toKeys: wakeOnChange(targetsOf, (release) =>
            tasks.store.byIndex(DRIFT_TASKS_BY_RELEASE, objectKey(release)).map(objectKey),
          ),
        },
      ],
    },
    deps.log,
    deps.metrics,
  );
}
