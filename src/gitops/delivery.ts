import { revisionsMatch } from "./revision.js";
import type { ReleaseTarget } from "../api/v1alpha1/release-target.js";
import type { KubeObject } from "../runtime/kube/object.js";
import { apiVersionOf, type ResourceType } from "../runtime/kube/resource.js";

/** The field manager of every write Stagegate makes to Argo CD and Flux objects. */
export const DELIVERY_FIELD_MANAGER = "stagegate-operator";

/** Why a promotion asks the tool to deliver: which release, for the tool's own record (Argo CD `info`). */
export interface PromotionRequest {
  /** `namespace/name` of the Release being promoted. */
  release: string;
  /**
   * The GitRepository (`namespace/name`) the gate cleared for pinning, when the target pins one: a Kustomization
   * whose sourceRef names another one by the time of the write is not pinned (the gate decides again).
   */
  source?: string | undefined;
  /**
   * The delivery object as the gate judged it. When given, the adapter writes against it (its resourceVersion is
   * the precondition) instead of reading the object again, and a conflict is thrown to the caller: a write never
   * lands on a version of the object the gate did not judge (ADR 0033).
   */
  judged?: KubeObject | undefined;
  /**
   * A lock annotation to write in the same write as the request (ADR 0037), so the lock and the request cannot be
   * separated. Written only when the adapter writes a request; `PromotionResult.locked` says whether it did.
   */
  lock?: { annotation: string; holder: string } | undefined;
}

/** What `promote` did: whether it wrote a new request, and a sentence saying why (for logs and the audit trail). */
export interface PromotionResult {
  requested: boolean;
  message: string;
  /** Whether the request's write carried `PromotionRequest.lock`. */
  locked?: boolean;
}

/** The annotations a request writes for its lock: none, or the one the caller asked to take with it. */
export function lockAnnotations(request: PromotionRequest): Record<string, string> {
  return request.lock === undefined ? {} : { [request.lock.annotation]: request.lock.holder };
}

/** The metadata part of an apply body that takes the request's lock with it (empty without one). */
export function lockMetadata(request: PromotionRequest): {
  metadata?: { annotations: Record<string, string> };
} {
  return request.lock === undefined ? {} : { metadata: { annotations: lockAnnotations(request) } };
}

/** A terminal failure of the tool for some revision: it stopped trying (Argo CD operation Failed, Flux Stalled). */
export interface DeliveryFailure {
  /** The revision the failed attempt was for, when the tool says. */
  revision?: string;
  reason: string;
  message: string;
}

/**
 * What a delivery tool reports about one target at one moment, normalised across Argo CD and Flux so the
 * decision (`assessDelivery`) is one pure function. `degraded` may still recover; `failure` will not.
 */
export interface DeliveryObservation {
  exists: boolean;
  /** The revision running now: a commit SHA, a Flux `ref@sha1:digest`, or a Helm chart version. */
  revision?: string;
  /** The name the running revision was requested by (a tag or branch), when the tool records it. */
  revisionRef?: string;
  /**
   * The revision the tool is told to deliver, where its object says so without lagging behind Stagegate's own
   * request: for an Argo CD Application the pending operation's, else the last operation's (mode Sync) or
   * `spec.source.targetRevision` (mode PinTargetRevision); for a HelmRelease whose chart version the release pins,
   * `spec.chart.spec.version`. For a Kustomization whose commit the release pins, the adapter cannot say from the
   * Kustomization: the caller reads its GitRepository's ref (`gitRepositoryRequest`). Undefined wherever the object
   * does not say.
   */
  requested?: string;
  /**
   * The tool's last operation on the target, where its object keeps one (Argo CD `status.operationState`);
   * undefined where it does not.
   */
  lastOperation?: LastOperation;
  /** The live state matches the desired state at `revision`. */
  synced: boolean;
  healthy: boolean;
  /** Unhealthy now but still being retried (Argo CD Degraded, Flux Ready=False). */
  degraded: boolean;
  /** A requested sync or reconciliation has not finished yet. */
  progressing: boolean;
  failure?: DeliveryFailure;
  /** Who started the operation that produced the current state ("automated" for the tool itself). */
  initiatedBy?: string;
  message: string;
  observedAt: Date;
}

/** One operation of a delivery tool, told apart from the others by `id` ("" for none yet). */
export interface LastOperation {
  /** When it started and the revision it was asked for, as the tool recorded them: one operation, one id. */
  id: string;
  /** The revision it synced (or was asked to), when the tool says. */
  revision?: string;
  /** The revision it was asked for (a commit, or a branch or tag it resolved), when the tool says. */
  asked?: string;
}

/** What the release expects of the target, and since when. */
export interface DeliveryExpectation {
  /** The revision the release must run; undefined when the target pins none (reconcile only). */
  revision?: string;
  /** When Stagegate requested the delivery; the progress deadline counts from here. */
  promotedAt?: Date;
  /** How long a degraded target may take to recover before the delivery fails. Defaults to 10 minutes. */
  progressDeadlineMs?: number;
}

/** The delivery state of one target, with the condition reason and message explaining it. */
export interface DeliveryAssessment {
  state: "Deploying" | "Deployed" | "Failed" | "Missing";
  reason: string;
  message: string;
}

/** How long a degraded target may take to recover before its delivery fails, unless the expectation says otherwise. */
export const DEFAULT_PROGRESS_DEADLINE_MS = 10 * 60 * 1000;

/** True when the observation runs the expected revision (any revision when none is expected). */
export function runsRevision(observation: DeliveryObservation, expected: string | undefined): boolean {
  if (expected === undefined) return true;
  return revisionsMatch(expected, observation.revision) || observation.revisionRef === expected;
}

/**
 * Decides the delivery state of a target from one observation; pure, the clock is `observation.observedAt`.
 * Deployed needs the expected revision synced, healthy and nothing in flight; Failed is a terminal tool failure
 * for that revision or a degradation outlasting the progress deadline.
 */
export function assessDelivery(
  observation: DeliveryObservation,
  expected: DeliveryExpectation,
): DeliveryAssessment {
  const want = expected.revision ?? "the current revision";
  if (!observation.exists) {
    return { state: "Missing", reason: "TargetNotFound", message: observation.message };
  }
  const failure = observation.failure;
  if (
    failure !== undefined &&
    (failure.revision === undefined ||
      expected.revision === undefined ||
      revisionsMatch(failure.revision, expected.revision) ||
      failure.revision === expected.revision)
  ) {
    return { state: "Failed", reason: failure.reason, message: failure.message };
  }
  const atRevision = runsRevision(observation, expected.revision);
  if (atRevision && observation.synced && observation.healthy && !observation.progressing) {
    return {
      state: "Deployed",
      reason: "Deployed",
      message: `The target runs ${want}, in sync and healthy.`,
    };
  }
  const deadline = expected.progressDeadlineMs ?? DEFAULT_PROGRESS_DEADLINE_MS;
  if (
    observation.degraded &&
    !observation.progressing &&
    expected.promotedAt !== undefined &&
    observation.observedAt.getTime() - expected.promotedAt.getTime() > deadline
  ) {
    return {
      state: "Failed",
      reason: "ProgressDeadlineExceeded",
      message: `The target is still degraded ${Math.round(deadline / 1000)}s after the promotion: ${observation.message}`,
    };
  }
  const reason = observation.progressing
    ? "Progressing"
    : !atRevision
      ? "RevisionPending"
      : !observation.synced
        ? "OutOfSync"
        : observation.degraded
          ? "Degraded"
          : "Unhealthy";
  return { state: "Deploying", reason, message: observation.message };
}

/**
 * Raised for a target that cannot be delivered as configured (wrong tool, missing source reference); terminal:
 * the message names the field to fix and the reconciler must not retry it.
 */
export class DeliveryConfigError extends Error {
  override readonly name = "DeliveryConfigError";
}

/**
 * Raised when a delivery write must be retried later: another operation is in flight, or the object kept
 * changing under us. The reconcile fails and is retried with backoff.
 */
export class DeliveryBusyError extends Error {
  override readonly name = "DeliveryBusyError";
}

/** One GitOps tool's way of delivering a release to a target and of reporting how far it got. */
export interface DeliveryAdapter {
  /** The revision a target must run for its delivery to count as Deployed (undefined: any, after reconcile). */
  expectedRevision(target: ReleaseTarget): string | undefined;
  /** Asks the tool to deliver the target's revision; idempotent: no second request for the same revision. */
  promote(target: ReleaseTarget, request: PromotionRequest, signal?: AbortSignal): Promise<PromotionResult>;
  /** Reads what the tool reports about the target now. */
  observe(target: ReleaseTarget, signal?: AbortSignal): Promise<DeliveryObservation>;
  /**
   * What the tool reports, from the target's delivery object as the caller just read it (undefined: it does not
   * exist); for a caller that needs the object anyway, so it is not read twice.
   */
  observeObject(target: ReleaseTarget, obj: KubeObject | undefined): DeliveryObservation;
}

/**
 * The body of a server-side apply that names only the fields Stagegate owns on another tool's object, carrying
 * the resourceVersion just read (so the apply never creates the object and a concurrent change conflicts).
 */
export function applyBody(
  rt: ResourceType,
  obj: KubeObject,
  rest: Record<string, unknown>,
): Record<string, unknown> {
  const { metadata: extraMeta, ...fields } = rest as { metadata?: Record<string, unknown> };
  return {
    apiVersion: apiVersionOf(rt),
    kind: rt.kind,
    metadata: {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      resourceVersion: obj.metadata.resourceVersion,
      ...extraMeta,
    },
    ...fields,
  };
}
