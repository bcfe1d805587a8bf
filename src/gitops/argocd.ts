import { z } from "zod";
import type { ArgoCDTarget, ReleaseTarget } from "../api/v1alpha1/release-target.js";
import { deliveryResources } from "../controllers/resources.js";
import { isConflict, isNotFound } from "../runtime/kube/api-error.js";
import type { KubeClient } from "../runtime/kube/client.js";
import type { KubeObject } from "../runtime/kube/object.js";
import {
  applyBody,
  DELIVERY_FIELD_MANAGER,
  DeliveryBusyError,
  DeliveryConfigError,
  lockMetadata,
  type DeliveryAdapter,
  type DeliveryObservation,
  type LastOperation,
  type PromotionRequest,
  type PromotionResult,
} from "./delivery.js";
import { revisionsMatch } from "./revision.js";

/** The username Stagegate's sync operations carry in `operation.initiatedBy`, as a CLI user's name would. */
export const ARGOCD_INITIATOR = "stagegate";

const rt = deliveryResources.argoCDApplication;
const MAX_ATTEMPTS = 3;

const Initiator = z.looseObject({ username: z.string().optional(), automated: z.boolean().optional() });
const Operation = z.looseObject({
  initiatedBy: Initiator.optional(),
  sync: z.looseObject({ revision: z.string().optional() }).optional(),
});

/** The parts of an Argo CD Application Stagegate reads; everything else passes through. */
export const ArgoApplication = z.looseObject({
  spec: z.looseObject({
    source: z.looseObject({ targetRevision: z.string().optional() }).optional(),
    sources: z.array(z.unknown()).optional(),
    syncPolicy: z
      .looseObject({ syncOptions: z.array(z.string()).optional(), retry: z.unknown().optional() })
      .optional(),
  }),
  operation: Operation.optional(),
  status: z
    .looseObject({
      sync: z.looseObject({ status: z.string().optional(), revision: z.string().optional() }).optional(),
      health: z.looseObject({ status: z.string().optional(), message: z.string().optional() }).optional(),
      operationState: z
        .looseObject({
          phase: z.string().optional(),
          message: z.string().optional(),
          startedAt: z.string().optional(),
          operation: Operation.optional(),
          syncResult: z.looseObject({ revision: z.string().optional() }).optional(),
        })
        .optional(),
    })
    .optional(),
});
export type ArgoApplication = z.infer<typeof ArgoApplication>;

function argoTarget(target: ReleaseTarget): ArgoCDTarget {
  if (target.argoCD === undefined) {
    throw new DeliveryConfigError(
      `Target ${target.environment} has no argoCD block: it is not an Argo CD target.`,
    );
  }
  return target.argoCD;
}

function initiatorName(initiator: z.infer<typeof Initiator> | undefined): string | undefined {
  if (initiator === undefined) return undefined;
  if (initiator.automated === true) return "automated";
  return initiator.username;
}

/**
 * Why no new sync is needed for `revision`: one is requested or running, or the last operation already went
 * to it (whatever its outcome: a failed sync is reported by `observe`, not silently retried). Undefined when
 * a sync should be requested.
 */
export function syncAlreadyRequested(app: ArgoApplication, revision: string): string | undefined {
  const pending = app.operation?.sync?.revision;
  if (app.operation !== undefined) {
    if (pending === revision) return `A sync to ${revision} is already requested.`;
    throw new DeliveryBusyError(
      `Another operation (to ${pending ?? "the spec revision"}, by ${initiatorName(app.operation.initiatedBy) ?? "unknown"}) is in progress; the sync to ${revision} waits for it.`,
    );
  }
  const state = app.status?.operationState;
  const last = state?.operation?.sync?.revision ?? state?.syncResult?.revision;
  if (state !== undefined && (last === revision || revisionsMatch(last, revision))) {
    return `The last sync (${state.phase ?? "unknown phase"}) was already to ${revision}.`;
  }
  const sync = app.status?.sync;
  if (sync?.status === "Synced" && revisionsMatch(sync.revision, revision)) {
    return `The application is already synced to ${revision}.`;
  }
  return undefined;
}

/**
 * The `operation` the Argo CD API server writes for `argocd app sync --revision R` on a single-source
 * application: the spec's source, its sync options and retry, the requesting user, and informational items.
 */
export function syncOperation(
  app: ArgoApplication,
  revision: string,
  request: PromotionRequest,
): Record<string, unknown> {
  const sync: Record<string, unknown> = { revision };
  if (app.spec.source !== undefined) sync.source = app.spec.source;
  const options = app.spec.syncPolicy?.syncOptions;
  if (options !== undefined && options.length > 0) sync.syncOptions = options;
  const operation: Record<string, unknown> = {
    initiatedBy: { username: ARGOCD_INITIATOR },
    info: [{ name: "Release", value: request.release }],
    sync,
  };
  if (app.spec.syncPolicy?.retry !== undefined) operation.retry = app.spec.syncPolicy.retry;
  return operation;
}

/** Delivers releases through Argo CD Applications: requests syncs (`Sync`) or pins `targetRevision`. */
export class ArgoCDAdapter implements DeliveryAdapter {
  constructor(
    private readonly client: KubeClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  expectedRevision(target: ReleaseTarget): string {
    return argoTarget(target).revision;
  }

  async promote(
    target: ReleaseTarget,
    request: PromotionRequest,
    signal?: AbortSignal,
  ): Promise<PromotionResult> {
    const argo = argoTarget(target);
    for (let attempt = 1; ; attempt++) {
      const app = request.judged ?? (await this.client.get(rt, argo.name, argo.namespace, { signal }));
      const parsed = ArgoApplication.parse(app);
      try {
        return argo.mode === "Sync"
          ? await this.requestSync(app, parsed, argo.revision, request, signal)
          : await this.pinTargetRevision(app, parsed, argo.revision, request, signal);
      } catch (err) {
        // Written against the judged object: a change since is for the caller to judge again.
        if (request.judged !== undefined) throw err;
        if (!isConflict(err) || attempt >= MAX_ATTEMPTS) {
          if (isConflict(err)) {
            throw new DeliveryBusyError(
              `Application ${argo.namespace}/${argo.name} kept changing while Stagegate wrote to it; retrying later.`,
              { cause: err },
            );
          }
          throw err;
        }
      }
    }
  }

  private async requestSync(
    app: KubeObject,
    parsed: ArgoApplication,
    revision: string,
    request: PromotionRequest,
    signal?: AbortSignal,
  ): Promise<PromotionResult> {
    const done = syncAlreadyRequested(parsed, revision);
    if (done !== undefined) return { requested: false, message: done };
    // No force: a conflict on `operation` means someone else requested an operation since our read.
    await this.client.apply(
      rt,
      applyBody(rt, app, {
        ...lockMetadata(request),
        operation: syncOperation(parsed, revision, request),
      }),
      { fieldManager: DELIVERY_FIELD_MANAGER, signal },
    );
    return {
      requested: true,
      message: `Requested a sync of the application to ${revision}.`,
      locked: request.lock !== undefined,
    };
  }

  private async pinTargetRevision(
    app: KubeObject,
    parsed: ArgoApplication,
    revision: string,
    request: PromotionRequest,
    signal?: AbortSignal,
  ): Promise<PromotionResult> {
    if (parsed.spec.source === undefined) {
      throw new DeliveryConfigError(
        `Application ${app.metadata.namespace}/${app.metadata.name} has no spec.source (multi-source applications cannot be pinned): use mode Sync.`,
      );
    }
    if (parsed.spec.source.targetRevision === revision) {
      return { requested: false, message: `spec.source.targetRevision is already ${revision}.` };
    }
    // Forced for this one field only: pinning it is the configured hand-over of targetRevision to Stagegate.
    await this.client.apply(
      rt,
      applyBody(rt, app, { ...lockMetadata(request), spec: { source: { targetRevision: revision } } }),
      { fieldManager: DELIVERY_FIELD_MANAGER, force: true, signal },
    );
    return {
      requested: true,
      message: `Pinned spec.source.targetRevision to ${revision}.`,
      locked: request.lock !== undefined,
    };
  }

  async observe(target: ReleaseTarget, signal?: AbortSignal): Promise<DeliveryObservation> {
    const argo = argoTarget(target);
    let obj: KubeObject | undefined;
    try {
      obj = await this.client.get(rt, argo.name, argo.namespace, { signal });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return this.observeObject(target, obj);
  }

  observeObject(target: ReleaseTarget, obj: KubeObject | undefined): DeliveryObservation {
    const argo = argoTarget(target);
    const observedAt = this.now();
    if (obj === undefined) {
      return missing(`Application ${argo.namespace}/${argo.name} does not exist.`, observedAt);
    }
    const app = ArgoApplication.parse(obj);
    const requested = requestedRevision(app, argo.mode);
    return {
      ...observeApplication(app, observedAt),
      ...(requested === undefined ? {} : { requested }),
      lastOperation: lastOperationOf(app),
    };
  }
}

/**
 * The Application's last operation (`status.operationState`) and the revision it synced (the result's, else the one
 * asked for). `id` is "" when there is none, else when it started and the revision it was asked for: both are set
 * when it starts, so one operation keeps its id from start to finish, while the result's revision may come later.
 */
export function lastOperationOf(app: ArgoApplication): LastOperation {
  const state = app.status?.operationState;
  if (state === undefined) return { id: "" };
  const asked = state.operation?.sync?.revision;
  const revision = state.syncResult?.revision ?? asked;
  return {
    id: `${state.startedAt ?? ""} ${asked ?? ""}`,
    ...(revision === undefined ? {} : { revision }),
    ...(asked === undefined ? {} : { asked }),
  };
}

/**
 * What an Application is told to deploy: the revision of the operation pending, else, for a target Stagegate
 * syncs, the last operation's, or, for one it pins, `spec.source.targetRevision`. Undefined when it does not say.
 */
export function requestedRevision(app: ArgoApplication, mode: ArgoCDTarget["mode"]): string | undefined {
  const pending = app.operation?.sync?.revision;
  if (pending !== undefined) return pending;
  return mode === "Sync"
    ? app.status?.operationState?.operation?.sync?.revision
    : app.spec.source?.targetRevision;
}

function missing(message: string, observedAt: Date): DeliveryObservation {
  return {
    exists: false,
    synced: false,
    healthy: false,
    degraded: false,
    progressing: false,
    message,
    observedAt,
  };
}

/** Normalises an Application's status into a DeliveryObservation; pure. */
export function observeApplication(app: ArgoApplication, observedAt: Date): DeliveryObservation {
  const status = app.status ?? {};
  const state = status.operationState;
  const phase = state?.phase;
  const health = status.health?.status ?? "Unknown";
  const syncStatus = status.sync?.status ?? "Unknown";
  const revision = status.sync?.revision;
  const requested = state?.operation?.sync?.revision;
  const succeeded = phase === "Succeeded" && state?.syncResult?.revision === revision;
  const progressing =
    app.operation !== undefined || phase === "Running" || phase === "Terminating" || health === "Progressing";
  const failed = phase === "Failed" || phase === "Error";
  const parts = [
    `Sync ${syncStatus}${revision === undefined ? "" : ` at ${revision}`}, health ${health}`,
    phase === undefined ? "" : `, last operation ${phase}${state?.message ? `: ${state.message}` : ""}`,
  ];
  return {
    exists: true,
    ...(revision === undefined ? {} : { revision }),
    ...(succeeded && requested !== undefined ? { revisionRef: requested } : {}),
    synced: syncStatus === "Synced",
    healthy: health === "Healthy",
    degraded: health === "Degraded" || health === "Missing",
    progressing,
    ...(failed
      ? {
          failure: {
            ...(requested === undefined ? {} : { revision: requested }),
            reason: "SyncFailed",
            message: `The Argo CD sync ${phase === "Error" ? "errored" : "failed"}: ${state?.message ?? "no message"}.`,
          },
        }
      : {}),
    ...(initiatorName(state?.operation?.initiatedBy) === undefined
      ? {}
      : { initiatedBy: initiatorName(state?.operation?.initiatedBy) }),
    message: `${parts.join("")}.`,
    observedAt,
  };
}
