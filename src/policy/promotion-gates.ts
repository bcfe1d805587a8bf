import { describeArtifact } from "../api/v1alpha1/release-binding.js";
import type { TaskPhase, TaskType } from "../api/v1alpha1/deployment-task.js";
import { insideArgoSyncWindows, type ProjectWindows } from "./argo-sync-windows.js";
import { insideWindow, type WindowSpec } from "./deployment-window.js";
import { outsideFreezes, type FreezeSpec } from "./freeze.js";
import { blocked, evaluateGates, passed, type Gate, type GateResult, type GateVerdict } from "./gate.js";

/** Everything the gate of one environment needs to decide whether a release may enter it. */
export interface PromotionInput {
  environment: string;
  /** The environment before this one in the release's pipeline, its state and the artifact it holds there. */
  previous?: { name: string; state: string | undefined; artifact?: string | undefined };
  /** The environments a release must be Verified in before this one (Environment.spec.promotesFrom). */
  promotesFrom: readonly string[];
  /** The artifact this promotion ships: its full source commit and its digests (see `artifactOf`). */
  artifact: string;
  /**
   * Whether the operator's admission webhooks and the closed-object policy are registered as shipped (the
   * admission guard); while they are not, nothing Stagegate believes is stamped, so no gate opens.
   */
  admissionControls?: { intact: boolean; message: string } | undefined;
  /** Whether the environment owns the target's delivery object (see delivery-ownership). */
  ownership: GateResult;
  /** Why the revisions to approve are not immutable, when they are not. */
  mutableRevision?: string | undefined;
  /** Why the target's Flux source cannot be pinned for this environment alone, when it cannot. */
  sharedSource?: string | undefined;
  requiredChecks: readonly TaskType[];
  /**
   * The tasks the release's workflow template opens here, by name: each must succeed. They count only by name, never
   * for the Environment's own required checks of their type, so a template cannot stand in for those.
   */
  templateTasks?: readonly string[] | undefined;
  /** Why the environment does not admit the release's workflow template, when it does not. */
  workflowRefused?: string | undefined;
  /** The release's tasks for this environment. */
  tasks: readonly { name: string; type: TaskType; phase: TaskPhase | undefined }[];
  /** Whether the environment's policy asks for an approved ChangeRequest. */
  approvalRequired: boolean;
  /**
   * The environment's ChangeRequest for the revision. `usedAt` is set once a promotion of this revision used it
   * (it is then closed): the approval was consumed by this very promotion, which a pass after a crash between
   * the promotion and the status write must still see as approved.
   */
  changeRequest?: {
    name: string;
    resolution: string | undefined;
    closedAt?: string | undefined;
    usedAt?: string | undefined;
    /** Why the object with the change's name cannot be believed (not opened by Stagegate, another binding). */
    untrusted?: string | undefined;
  };
  windows: readonly WindowSpec[];
  /** Release freezes of the environment; none in force (in scope, without an exception) lets the gate open. */
  freezes?: readonly FreezeSpec[];
  /** The labels of the release's namespace, which scope freezes; undefined when unknown (every freeze holds). */
  namespaceLabels?: Readonly<Record<string, string>> | undefined;
  /** The sync windows Argo CD applies to the target's Application (Argo CD targets with windows only). */
  syncWindows?: ProjectWindows | undefined;
  /** The release's `spec.changeType` (Feature when absent). */
  changeType?: string | undefined;
  /** Who holds the target's lock (a release key), if anyone; `self` is this release's key. */
  lockHolder?: string | undefined;
  /**
   * Why that holder holds nothing, when it is a forgery or a leftover: no release promoting there by that name
   * (`lockReality`). Such a lock is taken over, never waited for.
   */
  lockForged?: string | undefined;
  self: string;
  now: Date;
}

/**
 * The environment graph is the law: a release enters an environment only from one of its `promotesFrom` stages,
 * after it is Verified there with the very artifact it now ships. First stages (no promotesFrom) need nothing.
 */
const previousVerified: Gate<PromotionInput> = ({ environment, previous, promotesFrom, artifact }) => {
  if (promotesFrom.length > 0 && (previous === undefined || !promotesFrom.includes(previous.name))) {
    const from = previous === undefined ? "it begins with it" : `it comes from ${previous.name}`;
    return blocked(
      "StageSkipped",
      `Environment ${environment} promotes only from [${promotesFrom.join(", ")}], but the release's pipeline ` +
        `skips that stage (${from}): put one of [${promotesFrom.join(", ")}] right before ${environment} in ` +
        "spec.pipeline.",
    );
  }
  if (previous === undefined) return passed("FirstStage", "This is the first environment of the pipeline.");
  if (previous.state !== "Verified") {
    return blocked(
      "PreviousNotVerified",
      `The release must be Verified in ${previous.name} first (it is ${previous.state ?? "not started"} there).`,
    );
  }
  if (previous.artifact !== undefined && previous.artifact !== artifact) {
    return blocked(
      "ArtifactNotVerified",
      `The release was Verified in ${previous.name} with ${describeArtifact(previous.artifact)}, not with ` +
        `${describeArtifact(artifact)} that it ships now: it must be Verified in ${previous.name} with this ` +
        "artifact first.",
    );
  }
  return passed("PreviousVerified", `The release is Verified in ${previous.name}.`);
};

const admissionControlsIntact: Gate<PromotionInput> = ({ admissionControls: a }) =>
  a === undefined || a.intact
    ? passed("AdmissionControlsIntact", "The admission controls are registered as shipped.")
    : blocked("AdmissionControlsNotIntact", a.message);

const targetOwned: Gate<PromotionInput> = ({ ownership }) => ownership;

const immutableRevision: Gate<PromotionInput> = ({ mutableRevision }) =>
  mutableRevision === undefined
    ? passed("ImmutableRevision", "Every revision to approve is immutable.")
    : blocked("MutableRevision", `The revision cannot be approved: ${mutableRevision}.`);

const sourceNotShared: Gate<PromotionInput> = ({ sharedSource }) =>
  sharedSource === undefined
    ? passed("SourceOwned", "Pinning the target's source moves nothing outside the environment.")
    : blocked("SharedSource", sharedSource);

const requiredChecksDone: Gate<PromotionInput> = ({ requiredChecks, templateTasks = [], tasks }) => {
  const missing: string[] = [];
  const open: string[] = [];
  const named = new Set(templateTasks);
  const own = tasks.filter((t) => !named.has(t.name));
  for (const type of requiredChecks) {
    const matching = own.filter((t) => t.type === type);
    if (matching.length === 0) missing.push(type);
    else if (!matching.some((t) => t.phase === "Succeeded"))
      open.push(matching.map((t) => t.name).join(", "));
  }
  for (const name of templateTasks) {
    const task = tasks.find((t) => t.name === name);
    if (task === undefined) missing.push(name);
    else if (task.phase !== "Succeeded") open.push(name);
  }
  if (missing.length === 0 && open.length === 0) {
    return passed("ChecksSucceeded", "Every required check has succeeded.");
  }
  const parts = [
    open.length > 0 ? `waiting for ${open.join("; ")} to succeed` : "",
    missing.length > 0 ? `no task yet for ${missing.join(", ")}` : "",
  ].filter((p) => p !== "");
  return blocked("ChecksPending", `Required checks are not done: ${parts.join("; ")}.`);
};

const workflowAdmitted: Gate<PromotionInput> = ({ workflowRefused }) =>
  workflowRefused === undefined
    ? passed("WorkflowAdmitted", "The environment admits the release's workflow.")
    : blocked("WorkflowTemplateRefused", `${workflowRefused}.`);

const changeApproved: Gate<PromotionInput> = ({ approvalRequired, changeRequest, lockHolder, self }) => {
  if (!approvalRequired) return passed("NoApprovalRequired", "The environment needs no ChangeRequest.");
  if (changeRequest === undefined) {
    return blocked("ChangeRequestMissing", "A ChangeRequest for this environment has not been opened yet.");
  }
  if (changeRequest.untrusted !== undefined) {
    return blocked(
      "ChangeNotTrusted",
      `ChangeRequest ${changeRequest.name} cannot open this gate: ${changeRequest.untrusted}. Delete it; ` +
        "Stagegate then opens its own.",
    );
  }
  if (changeRequest.resolution === "Approved" && changeRequest.closedAt === undefined) {
    return passed("ChangeApproved", `ChangeRequest ${changeRequest.name} is approved.`);
  }
  // A used change opens the gate again only to finish the very promotion that used it, after a crash before the
  // status write: that promotion still holds the target's lock (freed only once Verified or Failed is stored).
  if (changeRequest.resolution === "Approved" && changeRequest.usedAt !== undefined && lockHolder === self) {
    return passed(
      "ChangeUsed",
      `ChangeRequest ${changeRequest.name} was approved and used for this promotion.`,
    );
  }
  const state =
    changeRequest.closedAt !== undefined ? "closed" : (changeRequest.resolution ?? "awaiting a decision");
  return blocked("ChangeNotApproved", `ChangeRequest ${changeRequest.name} is ${state}, not approved.`);
};

const window: Gate<PromotionInput> = ({ windows, now }) => insideWindow(windows, now);

const argoSyncWindow: Gate<PromotionInput> = ({ syncWindows, now }) =>
  insideArgoSyncWindows(syncWindows, now);

const notFrozen: Gate<PromotionInput> = (input) =>
  outsideFreezes(input.freezes ?? [], input.now, {
    scope: { namespaceLabels: input.namespaceLabels },
    changeType: input.changeType,
    // Only an approval people gave for this very promotion lets a Hotfix through a freeze.
    changeApproved: input.approvalRequired && changeApproved(input).pass,
  });

const targetFree: Gate<PromotionInput> = ({ lockHolder, lockForged, self }) => {
  if (lockHolder === undefined || lockHolder === self) {
    return passed("TargetFree", "No other release is deploying to this target.");
  }
  if (lockForged !== undefined) {
    return passed(
      "LockNotHeld",
      `The target's stagegate.io/locked-by names ${lockHolder}, which holds nothing (${lockForged}); this ` +
        "release takes the lock over.",
    );
  }
  return blocked(
    "TargetLocked",
    `Release ${lockHolder} is deploying to the same target; this release waits its turn.`,
  );
};

/** The gates of an environment, in the order their reasons are reported. */
export const PROMOTION_GATES: readonly Gate<PromotionInput>[] = [
  admissionControlsIntact,
  targetOwned,
  previousVerified,
  immutableRevision,
  sourceNotShared,
  workflowAdmitted,
  requiredChecksDone,
  changeApproved,
  window,
  argoSyncWindow,
  notFrozen,
  targetFree,
];

/** Decides whether a release may enter an environment, with every blocking reason. */
export function decidePromotionGate(input: PromotionInput): GateVerdict {
  return evaluateGates(input, PROMOTION_GATES);
}
