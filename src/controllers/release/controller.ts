import { ReleaseSpec, ReleaseStatus } from "../../api/v1alpha1/release.js";
import { Controller, type ReconcileRequest, type ReconcileResult } from "../../runtime/controller.js";
import { TerminalError } from "../../runtime/errors.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { objectKey } from "../../runtime/kube/object.js";
import { markStalled } from "../../runtime/stalled.js";
import { updateStatus } from "../../runtime/status-writer.js";
import type { ControllerDeps } from "../deps.js";
import type { Informers } from "../informers.js";
import { resources } from "../resources.js";
import { describeZodError } from "../validation.js";
import { applyActions } from "./apply.js";
import { decideRelease, type ReleaseDecision } from "./decide.js";
import { gatherEnvironments, TASKS_BY_RELEASE } from "./gather.js";
import { releaseKey } from "./names.js";

/** The index of Releases by the Environments their pipeline names. */
const RELEASES_BY_ENVIRONMENT = "pipeline-environment";
/** How often a release looks again while a delivery is in flight: delivery objects are not watched yet. */
export const DELIVERY_POLL_MS = 5_000;
/** How soon a release tries again after another writer changed a target between our read and the lock. */
const LOCK_RETRY_MS = 1_000;

/** The `namespace/release` key a task or change points at through `spec.releaseRef`. */
function releaseRefKey(obj: KubeObject): string[] {
  const name = (obj.spec as { releaseRef?: { name?: unknown } } | undefined)?.releaseRef?.name;
  return typeof name === "string" ? [`${obj.metadata.namespace ?? ""}/${name}`] : [];
}

/**
 * The Release controller: moves each release through its pipeline, one environment at a time. It gathers each
 * environment's gate inputs and delivery state, lets the pure `decideRelease` decide, opens the check tasks and
 * ChangeRequests the gates need, takes the target's lock and promotes once a gate opens, and writes the status
 * once. Tasks and changes wake their release; an Environment wakes every release whose pipeline names it.
 */
export function createReleaseController(deps: ControllerDeps, informers: Informers): Controller {
  const releases = informers.releases;
  const rt = resources.release;
  informers.deploymentTasks.store.addIndex(TASKS_BY_RELEASE, releaseRefKey);
  releases.store.addIndex(RELEASES_BY_ENVIRONMENT, (obj) => {
    const pipeline = (obj.spec as { pipeline?: unknown } | undefined)?.pipeline;
    return Array.isArray(pipeline) ? pipeline.filter((p): p is string => typeof p === "string") : [];
  });

  async function reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
    const obj = releases.store.get(req.key);
    if (obj === undefined || obj.metadata.deletionTimestamp !== undefined) return {};
    const opts = { signal: req.signal };
    const parsed = ReleaseSpec.safeParse(obj.spec);
    if (!parsed.success) throw new TerminalError("InvalidSpec", describeZodError("spec", parsed.error));
    const spec = parsed.data;
    const namespace = obj.metadata.namespace ?? "";
    const self = releaseKey(namespace, obj.metadata.name);
    const stored = statusOf(obj);

    const environments = await gatherEnvironments(
      { client: deps.client, informers, clock: deps.clock },
      {
        namespace,
        name: obj.metadata.name,
        spec,
        promotedAt: (env) => {
          const started = stored?.environments?.find((e) => e.name === env)?.deployStartedAt;
          return started === undefined ? undefined : new Date(started);
        },
      },
      opts,
    );
    const now = deps.clock.now();
    const decide = (current: KubeObject): ReleaseDecision =>
      decideRelease(
        {
          release: {
            // The generation of the spec decided from, even when a conflict re-read brought a newer one.
            metadata: { name: obj.metadata.name, namespace, generation: obj.metadata.generation },
            spec,
            status: statusOf(current),
          },
          environments: environments.map((e) => e.input),
        },
        now,
      );

    const decision = decide(obj);
    const outcome = await applyActions(
      {
        client: deps.client,
        informers,
        now: () => deps.clock.now(),
        log: req.log,
        release: obj,
        self,
        environments,
        opts,
      },
      decision.actions,
    );
    if (outcome === "LockContended") {
      req.log.info({}, "Found the target's lock changed under the release; trying again");
      return { requeueAfterMs: LOCK_RETRY_MS };
    }

    const update = await updateStatus(deps.client, rt, obj, decide, opts);
    if (update.written) {
      req.log.debug({ currentState: update.decision.status.currentState }, "Updated release status");
      for (const event of update.decision.events) await deps.events.record(rt, update.object, event, opts);
    }
    const written = update.decision;
    if (written.requeueAfterMs !== undefined) return { requeueAfterMs: written.requeueAfterMs };
    const deploying = (written.status.environments ?? []).some((e) => e.state === "Deploying");
    return deploying ? { requeueAfterMs: DELIVERY_POLL_MS } : {};
  }

  return new Controller(
    {
      name: "release",
      primary: releases,
      workers: deps.workers,
      reconcile,
      watches: [
        { informer: informers.deploymentTasks, toKeys: (event) => releaseRefKey(event.object) },
        { informer: informers.changeRequests, toKeys: (event) => releaseRefKey(event.object) },
        {
          informer: informers.environments,
          toKeys: (event) =>
            releases.store.byIndex(RELEASES_BY_ENVIRONMENT, event.object.metadata.name).map(objectKey),
        },
      ],
      onTerminalError: async (req, err) => {
        const obj = releases.store.get(req.key);
        if (obj !== undefined) await markStalled(deps, rt, obj, err, { signal: req.signal });
      },
    },
    deps.log,
    deps.metrics,
  );
}

function statusOf(obj: KubeObject): ReleaseStatus | undefined {
  const parsed = ReleaseStatus.safeParse(obj.status ?? {});
  return parsed.success ? parsed.data : undefined;
}
