import { registerDeliveryMetrics } from "./delivery-metrics.js";
import { Counter, Gauge } from "prom-client";
import { ReleaseSpec, ReleaseStatus } from "../../api/v1alpha1/release.js";
import { DeliveryConfigError } from "../../gitops/delivery.js";
import { Controller, type ReconcileRequest, type ReconcileResult } from "../../runtime/controller.js";
import { TerminalError } from "../../runtime/errors.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { objectKey } from "../../runtime/kube/object.js";
import { markStalled } from "../../runtime/stalled.js";
import { updateStatus } from "../../runtime/status-writer.js";
import type { ControllerDeps } from "../deps.js";
import type { Informers } from "../informers.js";
import { deliveryResources, resources } from "../resources.js";
import { describeZodError } from "../validation.js";
import { pinnedSpec } from "../../api/v1alpha1/resolved-source.js";
import { fetchChartIndex } from "../../charts/fetch-chart-index.js";
import { resolveRemoteRef } from "../../commits/resolve-ref.js";
import { fluxHelmRepository } from "../../gitops/flux.js";
import { applyActions, type ApplyContext } from "./apply.js";
import { readHelmRepository, resolveCharts } from "./resolve-charts.js";
import { resolveSource } from "./resolve-source.js";
import { decideRelease, type ReleaseDecision } from "./decide.js";
import { gatherEnvironments, TASKS_BY_RELEASE } from "./gather.js";
import { finalizeRelease } from "./finalizer.js";
import { releaseKey } from "./names.js";
import { ReleaseCondition } from "./reasons.js";
import { RELEASES_BY_TARGET, releaseTargetKeys } from "./target-claims.js";
import { objectDeliveryKey } from "./target-object.js";
import { deliveryRecheckMs } from "./recheck.js";
import { releaseReading } from "./parsed-tasks.js";
import { gateInputWatches } from "./gate-input-wakes.js";
import type { InformerEvent } from "../../runtime/informer/informer.js";

/** The index of Releases by the Environments their pipeline names. */
const RELEASES_BY_ENVIRONMENT = "pipeline-environment";
/** How soon a release asks again for a ref or a chart index it could not read (the repository down, a credential). */
export const DELIVERY_RECHECK_MS = 30_000;
/** How soon a release tries again after another writer changed a target between our read and the lock. */
const LOCK_RETRY_MS = 1_000;

/** The `namespace/release` key a task or change points at through `spec.releaseRef`. */
function releaseRefKey(obj: KubeObject): string[] {
  const name = (obj.spec as { releaseRef?: { name?: unknown } } | undefined)?.releaseRef?.name;
  return typeof name === "string" ? [`${obj.metadata.namespace ?? ""}/${name}`] : [];
}

/**
 * The release a task event wakes: the one its `spec.releaseRef` names, unless the event is an update that changes
 * nothing the Release controller reads of the task (`releaseReading`): the rollback controller's notice on a new
 * Rollback task (a log entry and its step annotation) decides nothing for the release, and with hundreds of alerts
 * on one release every pass re-reads hundreds of tasks (issue 12).
 */
export function taskEventKeys(event: InformerEvent): string[] {
  if (event.type === "updated" && event.old !== undefined) {
    const keys = releaseRefKey(event.object);
    const before = releaseRefKey(event.old);
    if (keys.join() === before.join() && releaseReading(event.old) === releaseReading(event.object))
      return [];
    return keys;
  }
  return releaseRefKey(event.object);
}

/**
 * The Release controller: moves each release through its pipeline, one environment at a time. It gathers each
 * environment's gate inputs and delivery state, lets the pure `decideRelease` decide, opens the check tasks and
 * ChangeRequests the gates need, takes the target's lock and promotes once a gate opens, and writes the status
 * once. Changes wake their release, and so do tasks when what the release reads of them changes (ADR 0059); an
 * Environment wakes every release whose pipeline names it, and the other gate inputs it reads from the caches
 * (namespace labels, AppProject windows, a shared Flux source) wake the releases they hold (ADR 0068).
 */
export function createReleaseController(deps: ControllerDeps, informers: Informers): Controller {
  const releases = informers.releases;
  const rt = resources.release;
  informers.deploymentTasks.store.addIndex(TASKS_BY_RELEASE, releaseRefKey);
  releases.store.addIndex(RELEASES_BY_ENVIRONMENT, (obj) => {
    const pipeline = (obj.spec as { pipeline?: unknown } | undefined)?.pipeline;
    return Array.isArray(pipeline) ? pipeline.filter((p): p is string => typeof p === "string") : [];
  });

  releases.store.addIndex(RELEASES_BY_TARGET, releaseTargetKeys);
  const gateInputs = gateInputWatches(informers, releases.store);
  const metrics = registerReleaseMetrics(deps, informers);
  const delivery = registerDeliveryMetrics(deps.metrics.registry);

  async function reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
    try {
      return await reconcileRelease(req);
    } catch (err) {
      if (err instanceof DeliveryConfigError) throw new TerminalError("InvalidTarget", err.message);
      throw err;
    }
  }

  async function reconcileRelease(req: ReconcileRequest): Promise<ReconcileResult> {
    const obj = releases.store.get(req.key);
    if (obj === undefined) return {};
    const opts = { signal: req.signal };
    const parsed = ReleaseSpec.safeParse(obj.spec);
    const namespace = obj.metadata.namespace ?? "";
    const self = releaseKey(namespace, obj.metadata.name);
    if (obj.metadata.deletionTimestamp !== undefined) {
      const spec = parsed.success ? parsed.data : undefined;
      const done = await finalizeRelease(
        { client: deps.client, audit: deps.audit, log: req.log, opts },
        obj,
        spec,
        self,
      );
      return done === "Retry" ? { requeueAfterMs: LOCK_RETRY_MS } : {};
    }
    if (!parsed.success) throw new TerminalError("InvalidSpec", describeZodError("spec", parsed.error));
    const declared = parsed.data;
    const stored = statusOf(obj);
    const resolution = await resolveSource(
      {
        environments: informers.environments.store,
        gitAccess: deps.authorPolicy,
        resolve: resolveRemoteRef,
        now: () => deps.clock.now(),
      },
      declared,
      stored?.source,
    );
    const charts = await resolveCharts(
      {
        environments: informers.environments.store,
        helmReleases: informers.fluxHelmReleases.store,
        helmRepository: (ns, name) =>
          readHelmRepository(() => deps.client.get(fluxHelmRepository, name, ns, opts)),
        access: deps.authorPolicy,
        readIndex: (query) => fetchChartIndex({ ...query, signal: req.signal }),
        now: () => deps.clock.now(),
      },
      declared,
      stored?.charts,
    );
    // From here on the release is decided and delivered by the commit its branch or tag was resolved to, and by
    // the chart versions its ranges were resolved to.
    const spec = pinnedSpec(declared, resolution.resolved, charts.resolved);

    const environments = await gatherEnvironments(
      {
        client: deps.client,
        informers,
        clock: deps.clock,
        operatorIdentity: deps.operatorIdentity(),
        rollbackSeal: deps.rollbackSeal,
      },
      {
        namespace,
        name: obj.metadata.name,
        uid: obj.metadata.uid ?? "",
        spec,
        stored: stored?.environments ?? [],
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
            metadata: {
              name: obj.metadata.name,
              namespace,
              uid: obj.metadata.uid ?? "",
              generation: obj.metadata.generation,
            },
            spec,
            declared,
            status: statusOf(current),
          },
          resolution,
          charts,
          environments: environments.map((e) => e.input),
        },
        now,
      );

    const decision = decide(obj);
    const applying: ApplyContext = {
      client: deps.client,
      informers,
      now: () => deps.clock.now(),
      log: req.log,
      audit: deps.audit,
      release: obj,
      self,
      environments,
      opts,
    };
    const outcome = await applyActions(applying, decision.actions);
    if (outcome === "LockContended") {
      req.log.info({}, "Found the target changed since the gate judged it; deciding again");
      return { requeueAfterMs: LOCK_RETRY_MS };
    }

    // The decision's entries are recorded before the status that shows their transitions (ADR 0031): a crash in
    // between leaves the stored status as it was, so the next pass decides the same transitions and the store
    // keeps one entry of each.
    // From the release as this pass last wrote it (the lock finalizer patch), not the copy read before: a status
    // write from the older resourceVersion would be refused with 409 every time.
    const update = await updateStatus(
      deps.client,
      rt,
      applying.release,
      // Decided again on a fresher status after a conflict: asking never changes the status (the lock says whether the
      // request was made, ADR 0037), so the decision written cannot claim a request the applied actions did not make.
      (current) => decide(current),
      opts,
      async (decision, current) => {
        const { uid } = current.metadata;
        for (const entry of decision.audit) {
          await deps.audit.record({
            ...entry,
            object: { ...entry.object, ...(uid === undefined ? {} : { uid }) },
          });
        }
      },
    );
    if (update.written) {
      req.log.debug({ currentState: update.decision.status.currentState }, "Updated release status");
      for (const event of update.decision.events) await deps.events.record(rt, update.object, event, opts);
      delivery.observe(update.object, update.decision.status, update.decision.audit);
      if (update.decision.audit.some((e) => e.action === "UnapprovedDeployment")) {
        metrics.detected.inc({ namespace });
        req.log.warn({ unapproved: update.decision.unapproved }, "Found an unapproved deployment");
      }
    }
    const written = update.decision;
    if (written.requeueAfterMs !== undefined) return { requeueAfterMs: written.requeueAfterMs };
    // A ref or a chart index that could not be read (the repository down, a credential missing) is tried again.
    if (resolution.problem !== undefined || Object.keys(charts.problems).length > 0) {
      return { requeueAfterMs: DELIVERY_RECHECK_MS };
    }
    const recheck = deliveryRecheckMs(written.status.environments ?? [], spec.targets, deps.clock.now());
    return recheck === undefined ? {} : { requeueAfterMs: recheck };
  }

  return new Controller(
    {
      name: "release",
      primary: releases,
      workers: deps.workers,
      reconcile,
      watches: [
        { informer: informers.deploymentTasks, toKeys: taskEventKeys },
        { informer: informers.changeRequests, toKeys: (event) => releaseRefKey(event.object) },
        {
          informer: informers.environments,
          toKeys: (event) =>
            releases.store.byIndex(RELEASES_BY_ENVIRONMENT, event.object.metadata.name).map(objectKey),
        },
        ...(
          [
            [informers.argoCDApplications, deliveryResources.argoCDApplication],
            [informers.fluxKustomizations, deliveryResources.fluxKustomization],
            [informers.fluxHelmReleases, deliveryResources.fluxHelmRelease],
          ] as const
        ).map(([informer, rt]) => ({
          informer,
          toKeys: (event: { object: KubeObject }) =>
            releases.store.byIndex(RELEASES_BY_TARGET, objectDeliveryKey(event.object, rt)).map(objectKey),
        })),
        ...gateInputs,
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

/**
 * `stagegate_unapproved_deployments{namespace,release}` (1 while a Release's UnapprovedDeployment condition is
 * True, computed from the cache at scrape time) and `stagegate_unapproved_deployments_detected_total{namespace}`
 * (each new finding).
 */
function registerReleaseMetrics(
  deps: ControllerDeps,
  informers: Informers,
): { detected: Counter<"namespace"> } {
  new Gauge({
    name: "stagegate_unapproved_deployments",
    help: "Releases whose targets run a revision no approved release authorised (1 while it lasts)",
    labelNames: ["namespace", "release"],
    registers: [deps.metrics.registry],
    collect() {
      this.reset();
      for (const obj of informers.releases.store.list()) {
        const found = statusOf(obj)?.conditions?.some(
          (c) => c.type === ReleaseCondition.UnapprovedDeployment && c.status === "True",
        );
        if (found === true)
          this.set({ namespace: obj.metadata.namespace ?? "", release: obj.metadata.name }, 1);
      }
    },
  });
  const detected = new Counter({
    name: "stagegate_unapproved_deployments_detected_total",
    help: "Unapproved deployments found on Release targets (a hand sync around the gate), by namespace",
    labelNames: ["namespace"],
    registers: [deps.metrics.registry],
  });
  return { detected };
}

function statusOf(obj: KubeObject): ReleaseStatus | undefined {
  const parsed = ReleaseStatus.safeParse(obj.status ?? {});
  return parsed.success ? parsed.data : undefined;
}
