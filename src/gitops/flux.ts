import { z } from "zod";
import type { FluxTarget, ReleaseTarget } from "../api/v1alpha1/release-target.js";
import { deliveryResources } from "../controllers/resources.js";
import { isConflict, isNotFound } from "../runtime/kube/api-error.js";
import type { KubeClient } from "../runtime/kube/client.js";
import type { KubeObject } from "../runtime/kube/object.js";
import type { ResourceType } from "../runtime/kube/resource.js";
import {
  applyBody,
  DELIVERY_FIELD_MANAGER,
  lockAnnotations,
  DeliveryBusyError,
  DeliveryConfigError,
  type DeliveryAdapter,
  type DeliveryObservation,
  type PromotionRequest,
  type PromotionResult,
} from "./delivery.js";

/** The annotation that asks a Flux controller to reconcile now (what `flux reconcile` sets). */
export const RECONCILE_REQUESTED_AT = "reconcile.fluxcd.io/requestedAt";
/** Stagegate's record, on the Flux object, of the revision its last reconcile request was for. */
export const REQUESTED_REVISION = "stagegate.io/requested-revision";

/** Flux's GitRepository, the source a Kustomization pins a commit through. */
export const fluxGitRepository = {
  group: "source.toolkit.fluxcd.io",
  version: "v1",
  plural: "gitrepositories",
  kind: "GitRepository",
  namespaced: true,
} as const satisfies ResourceType;

/** Flux's HelmRepository, the chart repository a HelmRelease's chart comes from; read, never written. */
export const fluxHelmRepository = {
  group: "source.toolkit.fluxcd.io",
  version: "v1",
  plural: "helmrepositories",
  kind: "HelmRepository",
  namespaced: true,
} as const satisfies ResourceType;

const MAX_ATTEMPTS = 3;

const Condition = z.looseObject({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
  observedGeneration: z.number().optional(),
});

/** The status fields shared by Flux objects that Stagegate reads. */
const FluxStatus = z.looseObject({
  observedGeneration: z.number().optional(),
  lastHandledReconcileAt: z.string().optional(),
  conditions: z.array(Condition).optional(),
  lastAppliedRevision: z.string().optional(),
  lastAttemptedRevision: z.string().optional(),
  history: z
    .array(
      z.looseObject({
        chartVersion: z.string().optional(),
        appVersion: z.string().optional(),
        status: z.string().optional(),
      }),
    )
    .optional(),
});

/** The parts of a Kustomization or HelmRelease Stagegate reads. */
export const FluxObject = z.looseObject({
  metadata: z.looseObject({
    generation: z.number().optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.looseObject({
    sourceRef: z
      .looseObject({ kind: z.string(), name: z.string(), namespace: z.string().optional() })
      .optional(),
    chart: z.looseObject({ spec: z.looseObject({ version: z.string().optional() }) }).optional(),
  }),
  status: FluxStatus.optional(),
});
export type FluxObject = z.infer<typeof FluxObject>;

const GitRepository = z.looseObject({
  spec: z.looseObject({
    ref: z
      .looseObject({
        commit: z.string().optional(),
        name: z.string().optional(),
        semver: z.string().optional(),
        tag: z.string().optional(),
        branch: z.string().optional(),
      })
      .optional(),
  }),
});

/**
 * What a GitRepository tells Flux to fetch, as source-controller reads its ref: the pinned commit, else the name,
 * semver range, tag or branch it follows (in that precedence), else branch `master`. Undefined when the object
 * does not parse. A Kustomization target's pin lives here, so this is what it is told to deliver.
 */
export function gitRepositoryRequest(repo: KubeObject): string | undefined {
  const parsed = GitRepository.safeParse(repo);
  if (!parsed.success) return undefined;
  const ref = parsed.data.spec.ref ?? {};
  return ref.commit ?? ref.name ?? ref.semver ?? ref.tag ?? ref.branch ?? "master";
}

function fluxTarget(target: ReleaseTarget): FluxTarget {
  if (target.flux === undefined) {
    throw new DeliveryConfigError(`Target ${target.environment} has no flux block: it is not a Flux target.`);
  }
  return target.flux;
}

function resourceOf(flux: FluxTarget): ResourceType {
  return flux.kind === "HelmRelease"
    ? deliveryResources.fluxHelmRelease
    : deliveryResources.fluxKustomization;
}

/**
 * Delivers releases through Flux: pins the HelmRelease chart version or the Kustomization's GitRepository
 * commit, then requests reconciliation. Writes only those fields, with Stagegate's field manager.
 */
export class FluxAdapter implements DeliveryAdapter {
  constructor(
    private readonly client: KubeClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  expectedRevision(target: ReleaseTarget): string | undefined {
    const flux = fluxTarget(target);
    return flux.kind === "HelmRelease" ? flux.chartVersion : flux.revision;
  }

  async promote(
    target: ReleaseTarget,
    request: PromotionRequest,
    signal?: AbortSignal,
  ): Promise<PromotionResult> {
    const flux = fluxTarget(target);
    if (flux.kind === "HelmRelease" && flux.revision !== undefined && flux.chartVersion === undefined) {
      throw new DeliveryConfigError(
        `HelmRelease ${flux.namespace}/${flux.name}: flux.revision cannot be pinned on a HelmRelease; set flux.chartVersion instead.`,
      );
    }
    const wanted = this.expectedRevision(target) ?? "";
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.promoteOnce(flux, wanted, request, signal);
      } catch (err) {
        // Written against the judged object: a change since is for the caller to judge again.
        if (!isConflict(err) || request.judged !== undefined) throw err;
        if (attempt >= MAX_ATTEMPTS) {
          throw new DeliveryBusyError(
            `${flux.kind} ${flux.namespace}/${flux.name} kept changing while Stagegate wrote to it; retrying later.`,
            { cause: err },
          );
        }
      }
    }
  }

  private async promoteOnce(
    flux: FluxTarget,
    wanted: string,
    request: PromotionRequest,
    signal?: AbortSignal,
  ): Promise<PromotionResult> {
    const rt = resourceOf(flux);
    const cleared = request.source;
    const obj = request.judged ?? (await this.client.get(rt, flux.name, flux.namespace, { signal }));
    const parsed = FluxObject.parse(obj);
    const already = parsed.metadata.annotations?.[REQUESTED_REVISION] === wanted;
    let pinned = true;
    let spec: Record<string, unknown> | undefined;
    if (flux.kind === "HelmRelease" && flux.chartVersion !== undefined) {
      if (parsed.spec.chart === undefined) {
        throw new DeliveryConfigError(
          `HelmRelease ${flux.namespace}/${flux.name} uses spec.chartRef, not spec.chart: remove flux.chartVersion and version the referenced chart source.`,
        );
      }
      pinned = parsed.spec.chart.spec.version === flux.chartVersion;
      spec = { chart: { spec: { version: flux.chartVersion } } };
    } else if (flux.kind === "Kustomization" && flux.revision !== undefined) {
      pinned = await this.pinCommit(flux, parsed, flux.revision, cleared, signal);
    }
    if (pinned && already) {
      return {
        requested: false,
        message: `Reconciliation at ${wanted || "the current revision"} is already requested.`,
      };
    }
    // One apply carries every field Stagegate owns on the object: an apply that left one out would remove it.
    // Forced for these fields only: pinning the chart version hands it over to Stagegate, and the request stamp
    // is a protocol field that `flux reconcile` writes too.
    await this.client.apply(
      rt,
      applyBody(rt, obj, {
        metadata: {
          annotations: {
            [RECONCILE_REQUESTED_AT]: this.now().toISOString(),
            [REQUESTED_REVISION]: wanted,
            ...lockAnnotations(request),
          },
        },
        ...(spec === undefined ? {} : { spec }),
      }),
      { fieldManager: DELIVERY_FIELD_MANAGER, force: true, signal },
    );
    return {
      requested: true,
      message: `Requested reconciliation of ${flux.kind} ${flux.namespace}/${flux.name} at ${wanted || "the current revision"}.`,
      locked: request.lock !== undefined,
    };
  }

  /** Sets the source GitRepository's `spec.ref.commit`; true when it already was. */
  private async pinCommit(
    flux: FluxTarget,
    parsed: FluxObject,
    commit: string,
    cleared: string | undefined,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const ref = parsed.spec.sourceRef;
    if (ref?.kind !== "GitRepository") {
      throw new DeliveryConfigError(
        `Kustomization ${flux.namespace}/${flux.name} has source ${ref?.kind ?? "none"}: a revision can only be pinned through a GitRepository; remove flux.revision.`,
      );
    }
    const namespace = ref.namespace ?? flux.namespace;
    if (cleared !== undefined && cleared !== `${namespace}/${ref.name}`) {
      throw new DeliveryBusyError(
        `Kustomization ${flux.namespace}/${flux.name} now builds from GitRepository ${namespace}/${ref.name}, not ` +
          `${cleared} that the gate cleared for pinning; deciding again.`,
      );
    }
    const repo = await this.client.get(fluxGitRepository, ref.name, namespace, { signal });
    if (GitRepository.parse(repo).spec.ref?.commit === commit) return true;
    await this.client.apply(
      fluxGitRepository,
      applyBody(fluxGitRepository, repo, { spec: { ref: { commit } } }),
      {
        fieldManager: DELIVERY_FIELD_MANAGER,
        force: true,
        signal,
      },
    );
    return false;
  }

  async observe(target: ReleaseTarget, signal?: AbortSignal): Promise<DeliveryObservation> {
    const flux = fluxTarget(target);
    let obj: KubeObject | undefined;
    try {
      obj = await this.client.get(resourceOf(flux), flux.name, flux.namespace, { signal });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return this.observeObject(target, obj);
  }

  observeObject(target: ReleaseTarget, obj: KubeObject | undefined): DeliveryObservation {
    const flux = fluxTarget(target);
    const observedAt = this.now();
    if (obj !== undefined) {
      const parsed = FluxObject.parse(obj);
      const observed = observeFluxObject(flux.kind, parsed, observedAt);
      // A pinned chart version is what the HelmRelease is told to deploy, in its own spec.
      const requested = flux.chartVersion === undefined ? undefined : parsed.spec.chart?.spec.version;
      return { ...observed, ...(requested === undefined ? {} : { requested }) };
    }
    return {
      exists: false,
      synced: false,
      healthy: false,
      degraded: false,
      progressing: false,
      message: `${flux.kind} ${flux.namespace}/${flux.name} does not exist.`,
      observedAt,
    };
  }
}

/** Normalises a Kustomization's or HelmRelease's status into a DeliveryObservation; pure. */
export function observeFluxObject(
  kind: FluxTarget["kind"],
  obj: FluxObject,
  observedAt: Date,
): DeliveryObservation {
  const status = obj.status ?? {};
  const condition = (type: string) => status.conditions?.find((c) => c.type === type);
  const ready = condition("Ready");
  const stalled = condition("Stalled");
  const reconciling = condition("Reconciling")?.status === "True";
  const stale =
    obj.metadata.generation !== undefined && (status.observedGeneration ?? -1) < obj.metadata.generation;
  const requestedAt = obj.metadata.annotations?.[RECONCILE_REQUESTED_AT];
  const unhandled = requestedAt !== undefined && requestedAt !== status.lastHandledReconcileAt;
  const revision = kind === "HelmRelease" ? status.history?.[0]?.chartVersion : status.lastAppliedRevision;
  const isReady = ready?.status === "True";
  const progressing = reconciling || stale || unhandled || ready === undefined || ready.status === "Unknown";
  const synced =
    isReady &&
    (kind === "HelmRelease"
      ? status.history?.[0]?.status === "deployed"
      : status.lastAttemptedRevision === undefined ||
        status.lastAttemptedRevision === status.lastAppliedRevision);
  return {
    exists: true,
    ...(revision === undefined ? {} : { revision }),
    synced,
    healthy: isReady,
    degraded: ready?.status === "False" && !reconciling,
    progressing,
    ...(stalled?.status === "True"
      ? {
          failure: {
            ...(status.lastAttemptedRevision === undefined ? {} : { revision: status.lastAttemptedRevision }),
            reason: stalled.reason ?? "Stalled",
            message: `The ${kind} stalled: ${stalled.message ?? "no message"}.`,
          },
        }
      : {}),
    message:
      ready === undefined
        ? `The ${kind} has no Ready condition yet.`
        : `Ready ${ready.status} (${ready.reason ?? "no reason"}): ${ready.message ?? "no message"}`,
    observedAt,
  };
}
