import { DeploymentTaskSpec } from "../../api/v1alpha1/deployment-task.js";
import { Controller, type ReconcileRequest, type ReconcileResult } from "../../runtime/controller.js";
import { isConflict } from "../../runtime/kube/api-error.js";
import { objectKey, type KubeObject } from "../../runtime/kube/object.js";
import type { ControllerDeps } from "../deps.js";
import { readFreshTask } from "../fresh-task.js";
import type { Informers } from "../informers.js";
import { findEnvironment, findRelease, parseTask } from "../task-context.js";
import { wakeOnChange } from "../wake-on-change.js";
import { appendLog } from "./apply.js";
import { concludeFailed, concludePassed } from "./conclude.js";
import { decideVerification } from "./decide.js";
import { planVerification, type VerificationPlan } from "./eligibility.js";
import { baselineAudit, type VerificationSubject } from "./evidence.js";
import { measureSteps } from "./measure.js";
import { nextAttempt } from "./schedule.js";

/** The index of PostDeployVerification tasks by their release (`namespace/release`). */
const TASKS_BY_RELEASE = "verification-release";
/** The index of PostDeployVerification tasks by their environment. */
const TASKS_BY_ENVIRONMENT = "verification-environment";
/** How many times one pass decides again after a write (a stale write, or the next step after measuring). */
const MAX_ROUNDS = 5;

/** Tuning for tests; production uses the defaults. */
export interface VerificationOptions {
  /** Bound on one Prometheus query. Defaults to DEFAULT_QUERY_TIMEOUT_MS. */
  queryTimeoutMs?: number;
}

function verificationTask(obj: KubeObject): { release?: string; environment?: string } | undefined {
  const spec = obj.spec as
    { type?: unknown; releaseRef?: { name?: unknown }; environment?: unknown } | undefined;
  if (spec?.type !== "PostDeployVerification") return undefined;
  return {
    ...(typeof spec.releaseRef?.name === "string" ? { release: spec.releaseRef.name } : {}),
    ...(typeof spec.environment === "string" ? { environment: spec.environment } : {}),
  };
}

const environmentsOf = (release: KubeObject | undefined): unknown =>
  (release?.status as { environments?: unknown } | undefined)?.environments;
const verificationOf = (env: KubeObject | undefined): unknown =>
  (env?.spec as { verification?: unknown } | undefined)?.verification;

/**
 * Post-deployment verification: for each open PostDeployVerification task whose Environment declares
 * `verification` and whose Release is Deployed there, it measures the Environment's PromQL checks against the
 * real Prometheus HTTP API (baselines at the deployment's start, then every interval through the window),
 * records each measurement in the task's log, and concludes the `metrics-healthy` item: Done when every
 * measurement passed, Failed (with a Rollback task opened for the rollback controller) at the first that did
 * not. It wakes at each measurement instant and when the task, its Release or its Environment changes.
 */
export function createVerificationController(
  deps: ControllerDeps,
  informers: Informers,
  options: VerificationOptions = {},
): Controller {
  const tasks = informers.deploymentTasks;
  tasks.store.addIndex(TASKS_BY_RELEASE, (obj) => {
    const release = verificationTask(obj)?.release;
    return release === undefined ? [] : [`${obj.metadata.namespace ?? ""}/${release}`];
  });
  tasks.store.addIndex(TASKS_BY_ENVIRONMENT, (obj) => {
    const environment = verificationTask(obj)?.environment;
    return environment === undefined ? [] : [environment];
  });

  /** Gathers the task's Environment and Release from the cache and decides whether to verify it now. */
  function plan(task: KubeObject): VerificationPlan | undefined {
    const read = parseTask(task);
    if (read === undefined) return undefined;
    const environment = findEnvironment(informers, read.spec.environment);
    const release = findRelease(informers, task.metadata.namespace ?? "", read.spec.releaseRef?.name);
    return planVerification({
      task: read,
      environment: environment === undefined ? undefined : { spec: environment },
      release: release === undefined ? undefined : { spec: release.spec, status: release.status },
    });
  }

  /**
   * Converges one task. Each round decides from a fresh copy of the task (the log is the verification's whole
   * state), measures what is due, appends the entries under a resourceVersion precondition, and decides again; a write
   * that finds the task changed is decided again from a fresh read. Baselines and conclusions are audited before
   * the write that shows them, each under a transition, so the pass after a crash or a conflict records them
   * again and the store keeps one; the item is written last, after the Rollback task, so a crash anywhere leaves
   * the item Pending and the next pass concludes again from the log.
   */
  async function reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
    const cached = tasks.store.get(req.key);
    if (cached === undefined || cached.metadata.deletionTimestamp !== undefined) return {};
    const opts = { signal: req.signal };
    const first = plan(cached);
    if (first === undefined || first.kind !== "Verify") {
      if (first !== undefined)
        req.log.debug({ reason: first.reason, detail: first.message }, "Left the task alone");
      return {};
    }
    const conclude = {
      client: deps.client,
      audit: deps.audit,
      events: deps.events,
      log: req.log,
      seal: deps.rollbackSeal,
      opts,
    };
    let task = await readFreshTask(deps.client, req, opts);
    for (let round = 1; task !== undefined && round <= MAX_ROUNDS; round++) {
      const planned = plan(task);
      if (planned === undefined || planned.kind !== "Verify") return {};
      const spec = DeploymentTaskSpec.parse(task.spec);
      const subject: VerificationSubject = {
        task: {
          kind: "DeploymentTask",
          namespace: task.metadata.namespace ?? "",
          name: task.metadata.name,
          ...(task.metadata.uid === undefined ? {} : { uid: task.metadata.uid }),
        },
        release: planned.release,
        environment: planned.environment,
        revision: planned.revision,
        policy: planned.policy,
        schedule: planned.schedule,
      };
      const now = deps.clock.now();
      const decision = decideVerification(
        { checks: planned.policy.checks, schedule: planned.schedule, log: spec.log },
        now,
      );
      if (planned.finishOnly && decision.kind !== "Fail") {
        req.log.debug({ environment: planned.environment }, "Stopped verifying: the environment failed");
        return {};
      }
      try {
        switch (decision.kind) {
          case "Wait":
            return { requeueAfterMs: Math.max(1, decision.until.getTime() - now.getTime()) };
          case "Measure": {
            const measured = await measureSteps(decision.steps, {
              prometheusURL: planned.policy.prometheusURL,
              checks: planned.policy.checks,
              schedule: planned.schedule,
              log: spec.log,
              now,
              signal: req.signal,
              queryTimeoutMs: options.queryTimeoutMs,
            });
            if (measured.entries.length > 0) {
              // Before the log shows them: a round lost to a crash or a conflict measures the same baselines
              // again, under the same transition (ADR 0031).
              if (measured.newBaselines.size > 0) {
                await deps.audit.record(baselineAudit(subject, measured.newBaselines));
              }
              task = await appendLog(deps.client, task, measured.entries, opts);
              req.log.info({ entries: measured.entries.length }, "Recorded verification measurements");
            }
            if (measured.retry) {
              const at = nextAttempt(planned.schedule, now) ?? planned.schedule.retryDeadline;
              req.log.info(
                { retryAt: at.toISOString() },
                "Could not measure yet; retrying at the next instant",
              );
              return { requeueAfterMs: Math.max(1, at.getTime() - now.getTime()) };
            }
            continue;
          }
          case "Pass":
            await concludePassed(conclude, task, subject, decision.summaries);
            return {};
          case "Fail": {
            const release = informers.releases.store.get(
              `${subject.task.namespace ?? ""}/${planned.release}`,
            );
            await concludeFailed(conclude, task, subject, decision.failure, planned, release?.metadata.uid);
            return {};
          }
        }
      } catch (err) {
        if (!isConflict(err)) throw err;
        task = await readFreshTask(deps.client, req, opts);
      }
    }
    // Out of rounds (the task kept changing under us): look again shortly, from the cache's next event or this.
    return task === undefined ? {} : { requeueAfterMs: 1_000 };
  }

  return new Controller(
    {
      name: "verification",
      primary: tasks,
      workers: deps.workers,
      reconcile,
      watches: [
        {
          informer: informers.releases,
          // Only the release's environments wake its tasks: a release entering Deployed (or moving on).
          toKeys: wakeOnChange(environmentsOf, (release) =>
            tasks.store.byIndex(TASKS_BY_RELEASE, objectKey(release)).map(objectKey),
          ),
        },
        {
          informer: informers.environments,
          toKeys: wakeOnChange(verificationOf, (environment) =>
            tasks.store.byIndex(TASKS_BY_ENVIRONMENT, environment.metadata.name).map(objectKey),
          ),
        },
      ],
    },
    deps.log,
    deps.metrics,
  );
}
