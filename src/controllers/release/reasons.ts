import type { ReleaseEnvironmentState } from "../../api/v1alpha1/release.js";

/**
 * Condition types, reasons and event reasons of the Release controller, in one place so the CLI, the docs and
 * the tests use the same words.
 */

/**
 * The conditions a Release reports: `Ready` is the summary (True once the release is Verified in every
 * environment of its pipeline); `Stalled` exists only while a person must fix a spec before it can move on;
 * `UnapprovedDeployment` appears once a target the release deployed runs a revision no approved release
 * authorised (True while it does, False once it no longer does).
 */
export const ReleaseCondition = {
  Ready: "Ready",
  Stalled: "Stalled",
  UnapprovedDeployment: "UnapprovedDeployment",
} as const;

/** Every reason the Release controller writes on a condition. */
export const ReleaseReason = {
  // Ready
  Complete: "Complete",
  Promoting: "Promoting",
  Gated: "Gated",
  Failed: "Failed",
  // Ready False and Stalled True
  EnvironmentNotFound: "EnvironmentNotFound",
  TargetMissing: "TargetMissing",
  InvalidEnvironment: "InvalidEnvironment",
  // UnapprovedDeployment
  UnapprovedRevision: "UnapprovedRevision",
  AuthorisedRevisions: "AuthorisedRevisions",
} as const;
export type ReleaseReason = (typeof ReleaseReason)[keyof typeof ReleaseReason];

/** The reasons that stall a release: a person must create or fix an object before it can move. */
export type StallReason =
  | typeof ReleaseReason.EnvironmentNotFound
  | typeof ReleaseReason.TargetMissing
  | typeof ReleaseReason.InvalidEnvironment;

/** The reason of the event announcing that an environment entered a state (Warning only for Failed). */
export const STATE_EVENT_REASON: Record<ReleaseEnvironmentState, string> = {
  Pending: "Pending",
  Gated: "Gated",
  Deploying: "Promoted",
  Deployed: "Deployed",
  Verified: "Verified",
  Failed: "DeploymentFailed",
};

/**
 * Gate reasons that refuse what the environment never allows (a target it does not own, a skipped stage, a mutable
 * revision, a shared source, a change Stagegate did not open, a workflow template it does not admit): no child is
 * opened for them, and each new one is
 * audited as `GateRefused`.
 */
export const REFUSAL_REASONS: ReadonlySet<string> = new Set([
  "TargetNotOwned",
  "StageSkipped",
  "MutableRevision",
  "SharedSource",
  "ChangeNotTrusted",
  "WorkflowTemplateRefused",
]);
