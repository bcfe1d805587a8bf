import type { GateBinding } from "../../api/v1alpha1/binding.js";
import type { EnvironmentSpec } from "../../api/v1alpha1/environment.js";
import {
  artifactOf,
  isGated,
  mutableRevisionProblem,
  releaseBinding,
  resolvableRef,
  targetIdentity,
} from "../../api/v1alpha1/release-binding.js";
import type { ReleaseEnvironmentState, ReleaseEnvironmentStatus } from "../../api/v1alpha1/release.js";
import { resolvableChartRange } from "../../api/v1alpha1/resolved-chart.js";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import { windowPosition } from "../../policy/deployment-window.js";
import { occurrenceAt, thawsAt } from "../../policy/freeze.js";
import { matchingWindows, syncPermittedAt, type ProjectWindows } from "../../policy/argo-sync-windows.js";
import type { GateVerdict } from "../../policy/gate.js";
import { targetOwnership } from "../../policy/delivery-ownership.js";
import { decidePromotionGate, type PromotionInput } from "../../policy/promotion-gates.js";
import { formatTimestamp, parseDuration } from "../../runtime/duration.js";
import type { ReleaseAction } from "./actions.js";
import { planChangeRequest, planCheckTasks, type ReleaseRef } from "./children.js";
import { targetObjectName, targetRevision, type DeliveryObservation } from "./delivery.js";
import { followDelivery, type ReleaseTaskView } from "./follow-delivery.js";
import { promotionPosition } from "./promotion-ordinal.js";
import { REFUSAL_REASONS, ReleaseReason, type StallReason } from "./reasons.js";
import type { TargetClaim } from "./target-claims.js";
import type { LockReality } from "./lock-reality.js";
import { lockedWithRequest } from "./request-made.js";
import { templateTaskNames } from "./template-tasks.js";
import { templateMismatch, templateRefusal } from "../../policy/workflow-template.js";

/** One environment of the pipeline as the reconciler gathered it from the cache and the GitOps adapter. */
export interface EnvironmentInput {
  name: string;
  /** The Environment's spec; undefined when no Environment of that name exists. */
  spec?: EnvironmentSpec | undefined;
  /** The release's DeploymentTasks for this environment. */
  tasks: readonly ReleaseTaskView[];
  /** The release's ChangeRequest for this environment, if one exists. */
  changeRequest?:
    | {
        name: string;
        resolution?: string | undefined;
        closedAt?: string | undefined;
        usedAt?: string | undefined;
        /** Why the object with the change's name cannot be believed; undefined when Stagegate opened it for this binding. */
        untrusted?: string | undefined;
      }
    | undefined;
  /** Whether the operator's admission controls are registered as shipped (the admission guard's last check). */
  admissionControls?: { intact: boolean; message: string } | undefined;
  /**
   * The ordinal of the promotion the ChangeRequest is named for, when the gather moved past changes bound to an
   * earlier release of the same name; the decision's own otherwise.
   */
  changeOrdinal?: number | undefined;
  /** The digest of what the target is told to deploy besides the revision (see `desiredSourceDigest`), as read. */
  sourceDigest?: string | undefined;
  /** The labels of the target's delivery object as read in this pass; undefined when it was not read. */
  targetLabels?: Readonly<Record<string, string>> | undefined;
  /** The Argo CD sync windows that apply to the target's Application, when it is one with windows. */
  syncWindows?: ProjectWindows | undefined;
  /** The labels of the release's namespace, which scope release freezes; undefined when the cache has none. */
  namespaceLabels?: Readonly<Record<string, string>> | undefined;
  /** Why pinning the target's Flux source would move objects outside the environment, when it would. */
  sharedSource?: string | undefined;
  /** The release key (`namespace/name`) holding the target's lock, if any. */
  lockHolder?: string | undefined;
  /**
   * When the lock names this release: whether the target shows the request made, the lock written by the request's
   * own apply or the object told to deliver (or running) the revision (ADR 0037). False for a lock written alone
   * before any request (an earlier version's), whose idempotent request is then asked again. Undefined: taken as
   * made.
   */
  lockWithRequest?: boolean | undefined;
  /** What that holder is, when it is not this release: promoting there, taking the lock now, or a forgery. */
  lock?: LockReality | undefined;
  /**
   * Another release that recorded a promotion to this target in an environment owning it and has not taken the lock
   * yet (`namespace/name`): it takes the lock with its request in its next pass, so the gate waits for it as for a lock.
   */
  recordedBy?: string | undefined;
  /** What the adapter observes on the target; undefined before the first promotion or without a target. */
  delivery?: DeliveryObservation | undefined;
  /** What other releases promoted to the same target, to tell an authorised revision from an unapproved one. */
  claims?: readonly TargetClaim[] | undefined;
}

/** What deciding one environment needs besides its input: the release, its place, the state before it. */
export interface StepContext {
  release: ReleaseRef;
  /** This release's lock key. */
  self: string;
  input: EnvironmentInput;
  target: ReleaseTarget | undefined;
  stored: ReleaseEnvironmentStatus | undefined;
  /** The environment before this one, its state and artifact decided in this pass; undefined for the first. */
  previous: { name: string; state: ReleaseEnvironmentState; artifact?: string | undefined } | undefined;
  now: Date;
}

/** The decision for one environment: its status entry, the actions, a stall, and when a window opens. */
export interface EnvironmentStep {
  entry: ReleaseEnvironmentStatus;
  actions: ReleaseAction[];
  stall?: { reason: StallReason; message: string };
  /** The gate verdict, when the gate was asked in this pass. */
  verdict?: GateVerdict;
  requeueAfterMs?: number;
}

const VERIFY = "PostDeployVerification";

const WINDOW_MARGIN_MS = 1_000;

/** How often a missing delivery target is looked for again. */
const TARGET_POLL_MS = 30_000;

/**
 * Decides one environment: Pending until the one before it is Verified; then, for a revision not promoted here yet,
 * Gated with every blocking reason of the gate, or, once it opens, Deploying with the delivery request pending (the
 * promotion on record, nothing written to the target yet); the next pass, with that recorded, takes the target's lock
 * and asks the delivery tool in one write (Promote); from then on the lock naming this release says the request was
 * made, and whatever the delivery shows decides (see {@link followDelivery}). The status leads the delivery by one
 * write, never the other way: a target is told to deploy nothing that no release's status shows it promoting (ADRs
 * 0020, 0037). Check tasks and the ChangeRequest are ensured while the environment is reachable and not finished;
 * the lock is released once it is Verified or Failed. Never promotes through a closed gate.
 */
export function decideEnvironmentStep(ctx: StepContext): EnvironmentStep {
  const { input, previous, stored } = ctx;
  const reachable = previous === undefined || previous.state === "Verified";
  const stall = specProblem(ctx);
  if (stall !== undefined) {
    return {
      entry: entry(ctx, reachable ? "Gated" : "Pending", [stall.message], stored?.revision),
      actions: [],
      stall,
    };
  }
  const spec = input.spec as EnvironmentSpec;
  const target = ctx.target as ReleaseTarget;
  if (!reachable) {
    const reason = `The release must be Verified in ${previous.name} first (it is ${previous.state} there).`;
    return { entry: entry(ctx, "Pending", [reason], stored?.revision), actions: [] };
  }
  const revision = targetRevision(target, ctx.release.spec);
  const artifact = artifactOf(ctx.release.spec);
  const position = promotionPosition(stored, revision, artifact);
  const { promoted } = position;
  const ordinal = promoted ? position.ordinal : (input.changeOrdinal ?? position.ordinal);
  const binding = releaseBinding(ctx.release, input.name, target);
  let state: ReleaseEnvironmentState;
  let reasons: string[];
  let verdict: GateVerdict | undefined;
  const promote: ReleaseAction[] = [];
  const targetAbsent = !promoted && input.delivery?.state === "Missing";
  // Whether the promotion recorded here carries the mark of a request not known to be made (see Promote): set when
  // the gate opens, kept while the environment is Deploying, dropped with the first status write past it.
  let requestPending = promoted && stored?.deliveryRequestPending === true;
  if (!promoted) {
    verdict = decidePromotionGate(promotionInput(ctx, spec, target, binding));
    // The gate opens: the promotion goes on record (this pass's status) before anything is written to the target.
    if (verdict.open && !targetAbsent) requestPending = true;
  }
  // The lock naming this release is the request made: one write took both (ADR 0037).
  const asked = requestPending && promoted && lockedWithRequest(input, ctx.self);
  const changeRequest = spec.gate.requiredApprovals > 0 ? input.changeRequest?.name : undefined;
  const promotionOf = { environment: input.name, target, revision, promotion: ordinal };
  if (asked) {
    promote.push({
      kind: "ConfirmPromotion",
      ...promotionOf,
      ...(changeRequest === undefined ? {} : { changeRequest }),
    });
  }
  // What keeps a recorded promotion from being asked for now: another holder of the lock, or a target the
  // environment no longer owns (ownership is checked on the object read in the pass of every write).
  const unasked = promoted && requestPending && !asked;
  const held = unasked ? requestHeld(ctx, spec, target) : undefined;
  if (unasked && held === undefined) {
    promote.push({
      kind: "Promote",
      ...promotionOf,
      ...(changeRequest === undefined ? {} : { changeRequest }),
    });
  }
  if (verdict !== undefined && !verdict.open) {
    state = "Gated";
    reasons = verdict.blocking.map((b) => b.message);
  } else if (targetAbsent) {
    // Nothing to promote into: wait (polling; the delivery objects of other tools are not watched) for it to exist.
    state = "Gated";
    reasons = [
      `The delivery target ${targetObjectName(target)} does not exist: create it, or correct spec.targets.`,
    ];
  } else {
    // Just promoted, or promoted before: what the delivery shows decides, the same in every later pass.
    ({ state, reasons } = followDelivery({
      stored: promoted && stored !== undefined ? stored : { name: input.name, state: "Deploying" },
      revision,
      target: targetObjectName(target),
      delivery: input.delivery,
      tasks: input.tasks,
      verificationRequired: spec.gate.requiredChecks.includes(VERIFY),
    }));
    // Not asked yet (this pass records the promotion, or asks, or is held): Deploying, whatever the target shows.
    if (requestPending && !asked) {
      ({ state, reasons } = awaitingRequest(state, reasons, target, revision, held));
    }
  }
  const actions: ReleaseAction[] = [];
  // Children are opened only for an immutable binding, and never for a target the environment does not own.
  const integrityHeld =
    verdict?.blocking.some((b) => REFUSAL_REASONS.has(b.reason) && b.reason !== "ChangeNotTrusted") === true;
  if (
    (state === "Gated" || state === "Deploying" || state === "Deployed") &&
    binding !== undefined &&
    !integrityHeld
  ) {
    actions.push(...planCheckTasks(ctx.release, binding, spec, ctx.now));
    if (spec.gate.requiredApprovals > 0) {
      actions.push(planChangeRequest(ctx.release, binding, ordinal, spec, target, ctx.now));
    }
  }
  actions.push(...promote);
  // Only once Verified or Failed is stored: freed before, a crash before the status write would let another
  // release take the target while this one's stored state still waits for its own revision there.
  if (
    (state === "Verified" || state === "Failed") &&
    stored?.state === state &&
    input.lockHolder === ctx.self
  ) {
    actions.push({ kind: "ReleaseLock", environment: input.name, promotion: stored.promotions ?? ordinal });
  }
  const gated = state === "Gated";
  const kept = {
    revision: gated ? stored?.revision : revision,
    artifact: gated ? stored?.artifact : artifact,
    promotions: gated ? stored?.promotions : ordinal,
    // Kept while Deploying (the lock tells whether the request was made), so asking writes no status of its own.
    deliveryRequestPending: state === "Deploying" && requestPending ? true : undefined,
    // What ran on the target when this release promoted to it: recorded in the pass that takes the lock.
    // (empty when it ran none, so an entry from before this field existed stays told apart).
    runningAtPromotion: promoted || gated ? stored?.runningAtPromotion : (input.delivery?.revision ?? ""),
    // The tool's last operation when this release recorded its promotion, before it asked: later ones are news in
    // flight (an operation between the record and the request is reported, the conservative direction).
    lastOperationAtRequest:
      gated || promoted ? stored?.lastOperationAtRequest : input.delivery?.lastOperation?.id,
    // What the target was told to deploy when this release promoted to it: recorded once, at the promotion.
    sourceDigest:
      gated || (promoted && stored?.sourceDigest !== undefined) ? stored?.sourceDigest : input.sourceDigest,
  };
  const requeueAfterMs = targetAbsent
    ? TARGET_POLL_MS
    : verdict === undefined
      ? undefined
      : (untilWindowOpens(verdict, spec, ctx.now, input) ?? untilLockTaken(verdict, input.lock, ctx.now));
  return {
    entry: entry(ctx, state, reasons, kept.revision, kept),
    actions,
    ...(verdict === undefined ? {} : { verdict }),
    ...(requeueAfterMs === undefined ? {} : { requeueAfterMs }),
  };
}

/** Why a recorded promotion cannot be asked of the delivery tool in this pass, as a sentence; undefined if it can. */
function requestHeld(ctx: StepContext, spec: EnvironmentSpec, target: ReleaseTarget): string | undefined {
  const { input } = ctx;
  const name = targetObjectName(target);
  if (input.lockHolder !== undefined && input.lockHolder !== ctx.self && input.lock?.kind !== "Forged") {
    return `${name} is locked by ${input.lockHolder}: the revision is asked for once that holder frees it.`;
  }
  const identity = targetIdentity(target, ctx.release.spec);
  const owned = targetOwnership(input.name, spec.delivery, { ...identity, labels: input.targetLabels });
  if (!owned.pass) return `${owned.message} Nothing is asked of it.`;
  // The source the adapter would pin, as read in this pass: it may have been pointed elsewhere since the gate.
  if (input.sharedSource !== undefined) return `${input.sharedSource} Nothing is asked of it.`;
  return undefined;
}

/**
 * Where an environment stands while its promotion is recorded but the delivery tool not asked yet: Deploying (what
 * the target shows is not this promotion's doing yet), saying what holds the request when something does.
 */
function awaitingRequest(
  state: ReleaseEnvironmentState,
  reasons: string[],
  target: ReleaseTarget,
  revision: string,
  held: string | undefined,
): { state: ReleaseEnvironmentState; reasons: string[] } {
  const name = targetObjectName(target);
  if (held !== undefined) return { state: "Deploying", reasons: [held] };
  if (state === "Deploying") return { state, reasons };
  return {
    state: "Deploying",
    reasons: [`Recorded the promotion of revision ${revision}; ${name} is asked for it next.`],
  };
}

/** The gate's input, built from this pass: the state before, checks due before deploying, change, windows, lock. */
function promotionInput(
  ctx: StepContext,
  spec: EnvironmentSpec,
  target: ReleaseTarget,
  binding: GateBinding | undefined,
): PromotionInput {
  const { input } = ctx;
  const identity = targetIdentity(target, ctx.release.spec);
  const mutable = isGated(spec) ? revisionProblem(ctx.release, target, spec) : undefined;
  return {
    environment: input.name,
    ...(ctx.previous === undefined ? {} : { previous: ctx.previous }),
    admissionControls: input.admissionControls,
    promotesFrom: spec.promotesFrom,
    artifact: artifactOf(ctx.release.spec),
    ownership: targetOwnership(input.name, spec.delivery, { ...identity, labels: input.targetLabels }),
    mutableRevision:
      mutable ??
      (isGated(spec) && binding === undefined ? "the release has no immutable binding" : undefined),
    sharedSource: input.sharedSource,
    requiredChecks: spec.gate.requiredChecks.filter((c) => c !== VERIFY),
    templateTasks: binding === undefined ? [] : templateTaskNames(ctx.release, binding),
    workflowRefused:
      templateMismatch(ctx.release.spec) ?? templateRefusal(input.name, spec, ctx.release.spec.workflow),
    // Only the checks Stagegate opened for exactly this binding count: a task a person made, or one done for
    // another artifact or target, attests nothing here.
    tasks: input.tasks.filter((t) => binding !== undefined && t.countsForGate === true),
    approvalRequired: spec.gate.requiredApprovals > 0,
    ...(input.changeRequest === undefined
      ? {}
      : {
          changeRequest: {
            name: input.changeRequest.name,
            resolution: input.changeRequest.resolution,
            closedAt: input.changeRequest.closedAt,
            usedAt: input.changeRequest.usedAt,
            untrusted: input.changeRequest.untrusted,
          },
        }),
    windows: spec.gate.windows,
    freezes: spec.gate.freezes,
    namespaceLabels: input.namespaceLabels,
    syncWindows: input.syncWindows,
    changeType: ctx.release.spec.changeType,
    // A promotion another release recorded here holds the target as its lock does, and no forged lock frees it.
    lockHolder: input.recordedBy ?? input.lockHolder,
    lockForged: input.recordedBy === undefined && input.lock?.kind === "Forged" ? input.lock.why : undefined,
    self: ctx.self,
    now: ctx.now,
  };
}

/**
 * Why the revisions this gated environment would approve are not immutable. An environment that refuses mutable
 * revisions judges the spec as declared; one that resolves them (`gate.mutableRevisions: Resolve`) judges the spec
 * with the resolved commit and chart version pinned, and holds while a ref or a chart version range it resolves is
 * not resolved, saying why.
 */
function revisionProblem(
  release: ReleaseRef,
  target: ReleaseTarget,
  env: EnvironmentSpec,
): string | undefined {
  const declared = release.declared ?? release.spec;
  const declaredTarget = declared.targets.find((t) => t.environment === target.environment) ?? target;
  const range = resolvableChartRange(env, declaredTarget);
  if (range !== undefined && target.flux?.chartVersion === range) {
    return (
      release.unresolvedCharts?.[target.environment] ??
      `spec.targets[${target.environment}].flux.chartVersion "${range}" is not resolved to a chart version yet`
    );
  }
  const ref = resolvableRef(env, declared);
  if (ref === undefined) return mutableRevisionProblem(target, declared);
  if (release.spec.source.revision === ref) {
    return release.unresolved ?? `spec.source.revision "${ref}" is not resolved to a commit yet`;
  }
  return mutableRevisionProblem(target, release.spec, { ref });
}

/** What a person must fix before the environment can be decided at all: the Environment, the target, the spec. */
function specProblem(ctx: StepContext): EnvironmentStep["stall"] {
  const { name, spec } = ctx.input;
  if (spec === undefined) {
    return {
      reason: ReleaseReason.EnvironmentNotFound,
      message: `Environment ${name} named in spec.pipeline does not exist; create it or remove it from the pipeline.`,
    };
  }
  if (ctx.target === undefined) {
    return {
      reason: ReleaseReason.TargetMissing,
      message: `The pipeline's environment ${name} has no target; add one to spec.targets.`,
    };
  }
  try {
    for (const w of spec.gate.windows) windowPosition(w, ctx.now);
    for (const f of spec.gate.freezes) occurrenceAt(f, ctx.now);
    if (spec.taskSLA !== undefined) parseDuration(spec.taskSLA);
  } catch (err) {
    return {
      reason: ReleaseReason.InvalidEnvironment,
      message: `Environment ${name} has an invalid window, freeze or task SLA (${(err as Error).message}); fix its spec.`,
    };
  }
  return undefined;
}

/** The gate reasons the clock alone lifts: a window opens, a freeze ends, an Argo CD sync window permits. */
const CLOCK_REASONS: ReadonlySet<string> = new Set(["OutsideWindow", "Frozen", "SyncWindowClosed"]);

/**
 * Milliseconds until just after the clock alone opens the gate: the next window opens, the freeze in force
 * ends, or Argo CD's sync windows permit the sync, when only such clock reasons hold it. Nothing else wakes a release
 * at such an instant.
 */
function untilWindowOpens(
  verdict: GateVerdict,
  spec: EnvironmentSpec,
  now: Date,
  input: Pick<EnvironmentInput, "namespaceLabels" | "syncWindows">,
): number | undefined {
  if (verdict.open || verdict.blocking.some((b) => !CLOCK_REASONS.has(b.reason))) return undefined;
  const instants: number[] = [];
  if (verdict.blocking.some((b) => b.reason === "OutsideWindow")) {
    const opens = spec.gate.windows
      .map((w) => windowPosition(w, now).opensAt?.getTime())
      .filter((t): t is number => t !== undefined);
    if (opens.length === 0) return undefined;
    instants.push(Math.min(...opens));
  }
  if (verdict.blocking.some((b) => b.reason === "Frozen")) {
    const thaw = thawsAt(spec.gate.freezes, now, { namespaceLabels: input.namespaceLabels });
    if (thaw === undefined) return undefined;
    instants.push(thaw.getTime());
  }
  if (verdict.blocking.some((b) => b.reason === "SyncWindowClosed") && input.syncWindows !== undefined) {
    const permitted = syncPermittedAt(
      matchingWindows(input.syncWindows.windows, input.syncWindows.application),
      now,
    );
    if (permitted === undefined) return undefined;
    instants.push(permitted.getTime());
  }
  // A second past the instant: at the very instant a window starts, the window gate still counts it as closed.
  // When both hold, the later instant may still find the other closed; the pass then asks again.
  return Math.max(...instants) - now.getTime() + WINDOW_MARGIN_MS;
}

/**
 * When a release waits for a lock another release is taking right now, how long until that holder must have
 * recorded its promotion (its status change wakes nobody here, so the gate asks again then).
 */
function untilLockTaken(verdict: GateVerdict, lock: LockReality | undefined, now: Date): number | undefined {
  if (lock?.kind !== "Taking" || !verdict.blocking.some((b) => b.reason === "TargetLocked")) return undefined;
  return Math.max(0, lock.until.getTime() - now.getTime()) + WINDOW_MARGIN_MS;
}

const RANK: Record<ReleaseEnvironmentState, number> = {
  Pending: 0,
  Gated: 1,
  Deploying: 2,
  Failed: 2,
  Deployed: 3,
  Verified: 4,
};

/** The status entry; each timestamp is stamped at the first decision that reaches its step and kept after. */
function entry(
  ctx: StepContext,
  state: ReleaseEnvironmentState,
  reasons: string[],
  revision: string | undefined,
  kept: {
    artifact?: string | undefined;
    promotions?: number | undefined;
    sourceDigest?: string | undefined;
    deliveryRequestPending?: boolean | undefined;
    runningAtPromotion?: string | undefined;
    lastOperationAtRequest?: string | undefined;
  } = {
    artifact: ctx.stored?.artifact,
    promotions: ctx.stored?.promotions,
    sourceDigest: ctx.stored?.sourceDigest,
    deliveryRequestPending: ctx.stored?.deliveryRequestPending,
    runningAtPromotion: ctx.stored?.runningAtPromotion,
    lastOperationAtRequest: ctx.stored?.lastOperationAtRequest,
  },
): ReleaseEnvironmentStatus {
  const { stored, now } = ctx;
  const stamp = (kept: string | undefined, from: ReleaseEnvironmentState): string | undefined =>
    kept ?? (RANK[state] >= RANK[from] ? formatTimestamp(now) : undefined);
  const times = {
    requestedAt: stamp(stored?.requestedAt, "Gated"),
    gateClearedAt: stamp(stored?.gateClearedAt, "Deploying"),
    deployStartedAt: stamp(stored?.deployStartedAt, "Deploying"),
    deployedAt: stamp(stored?.deployedAt, "Deployed"),
    verifiedAt: stamp(stored?.verifiedAt, "Verified"),
  };
  const defined = Object.fromEntries(Object.entries(times).filter(([, v]) => v !== undefined));
  return {
    name: ctx.input.name,
    state,
    ...(reasons.length === 0 ? {} : { reasons }),
    ...(revision === undefined ? {} : { revision }),
    ...(kept.artifact === undefined ? {} : { artifact: kept.artifact }),
    ...(kept.promotions === undefined ? {} : { promotions: kept.promotions }),
    ...(kept.sourceDigest === undefined ? {} : { sourceDigest: kept.sourceDigest }),
    ...(kept.runningAtPromotion === undefined ? {} : { runningAtPromotion: kept.runningAtPromotion }),
    ...(kept.lastOperationAtRequest === undefined
      ? {}
      : { lastOperationAtRequest: kept.lastOperationAtRequest }),
    ...(kept.deliveryRequestPending === true ? { deliveryRequestPending: true } : {}),
    ...defined,
  };
}
