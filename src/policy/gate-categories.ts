import { GATE_CATEGORIES, type GateCategory } from "../api/v1alpha1/gate-category.js";

/**
 * What a blocked gate waits on, in a fixed small set (ADR 0053): the category of each blocking reason code, so the
 * audit trail can record when an environment's wait changes category and the bottleneck report can split the gate
 * wait by it. The set is closed: metric labels and report columns are bounded by it.
 *
 * - `refused`: the environment refuses the release as it stands (a target it does not own, a skipped stage, a
 *   mutable revision, a shared source, a change Stagegate did not open, a workflow it does not admit, admission
 *   controls not intact, a spec a person must fix): a person must change an object.
 * - `previous`: the release is not Verified in the stage before with the artifact it ships.
 * - `checks`: required checks not done.
 * - `approvals`: the ChangeRequest not opened, or not approved.
 * - `window`: outside the environment's deployment windows, or an Argo CD sync window holds the sync.
 * - `freeze`: a release freeze is in force.
 * - `lock`: another release is deploying to the same target.
 */
export { GATE_CATEGORIES, type GateCategory };

/**
 * Every reason code a blocked gate (or a Gated environment the gate was not asked for) reports, with its category.
 * A unit test reads every code passed to `blocked` in the gates' sources and fails when a code is missing here.
 */
export const GATE_REASON_CATEGORY: Readonly<Record<string, GateCategory>> = {
  // The environment refuses what it never allows (REFUSAL_REASONS), or nothing Stagegate believes is stamped.
  AdmissionControlsNotIntact: "refused",
  TargetNotOwned: "refused",
  StageSkipped: "refused",
  MutableRevision: "refused",
  SharedSource: "refused",
  ChangeNotTrusted: "refused",
  WorkflowTemplateRefused: "refused",
  // Gated without a gate verdict: a spec a person must fix (the Stalled reasons), or a delivery target missing.
  EnvironmentNotFound: "refused",
  TargetMissing: "refused",
  InvalidEnvironment: "refused",
  DeliveryTargetMissing: "refused",
  PreviousNotVerified: "previous",
  ArtifactNotVerified: "previous",
  ChecksPending: "checks",
  ChangeRequestMissing: "approvals",
  ChangeNotApproved: "approvals",
  OutsideWindow: "window",
  SyncWindowClosed: "window",
  SyncWindowInvalid: "window",
  Frozen: "freeze",
  TargetLocked: "lock",
};

/** The category of a reason code; a code without one (never shipped: a test holds the table complete) is refused. */
export function categoryOf(code: string): GateCategory {
  return GATE_REASON_CATEGORY[code] ?? "refused";
}

/** The distinct categories of reason codes, in {@link GATE_CATEGORIES} order. */
export function categoriesOf(codes: readonly string[]): GateCategory[] {
  const found = new Set(codes.map(categoryOf));
  return GATE_CATEGORIES.filter((c) => found.has(c));
}

/**
 * The category a wait is counted under when several hold at once: the first in {@link GATE_CATEGORIES} order, what
 * must give way first (a refusal needs a person before anything else moves; checks run before approvers decide;
 * windows, freezes and locks are judged last). Undefined for none.
 */
export function primaryCategory(categories: readonly string[]): GateCategory | undefined {
  return GATE_CATEGORIES.find((c) => categories.includes(c));
}

/** Whether a value is one of the categories. */
export function isGateCategory(value: unknown): value is GateCategory {
  return typeof value === "string" && (GATE_CATEGORIES as readonly string[]).includes(value);
}
