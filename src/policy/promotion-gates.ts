import type { TaskPhase, TaskType } from "../api/v1alpha1/deployment-task.js";
import { insideWindow, type WindowSpec } from "./deployment-window.js";
import { outsideFreezes, type FreezeSpec } from "./freeze.js";
import { blocked, evaluateGates, passed, type Gate, type GateVerdict } from "./gate.js";

/** Everything the gate of one environment needs to decide whether a release may enter it. */
export interface PromotionInput {
  environment: string;
  /** The environment before this one in the release's pipeline and its state there; absent for the first. */
  previous?: { name: string; state: string | undefined };
  requiredChecks: readonly TaskType[];
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
  };
  windows: readonly WindowSpec[];
  /** Release freezes of the environment; none in force lets the gate open. */
  freezes?: readonly FreezeSpec[];
  /** Who holds the target's lock (a release key), if anyone; `self` is this release's key. */
  lockHolder?: string | undefined;
  self: string;
  now: Date;
}

const previousVerified: Gate<PromotionInput> = ({ previous }) => {
  if (previous === undefined) return passed("FirstStage", "This is the first environment of the pipeline.");
  return previous.state === "Verified"
    ? passed("PreviousVerified", `The release is Verified in ${previous.name}.`)
    : blocked(
        "PreviousNotVerified",
        `The release must be Verified in ${previous.name} first (it is ${previous.state ?? "not started"} there).`,
      );
};

const requiredChecksDone: Gate<PromotionInput> = ({ requiredChecks, tasks }) => {
  const missing: string[] = [];
  const open: string[] = [];
  for (const type of requiredChecks) {
    const matching = tasks.filter((t) => t.type === type);
    if (matching.length === 0) missing.push(type);
    else if (!matching.some((t) => t.phase === "Succeeded"))
      open.push(matching.map((t) => t.name).join(", "));
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

const changeApproved: Gate<PromotionInput> = ({ approvalRequired, changeRequest }) => {
  if (!approvalRequired) return passed("NoApprovalRequired", "The environment needs no ChangeRequest.");
  if (changeRequest === undefined) {
    return blocked("ChangeRequestMissing", "A ChangeRequest for this environment has not been opened yet.");
  }
  if (changeRequest.resolution === "Approved" && changeRequest.closedAt === undefined) {
    return passed("ChangeApproved", `ChangeRequest ${changeRequest.name} is approved.`);
  }
  if (changeRequest.resolution === "Approved" && changeRequest.usedAt !== undefined) {
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

const notFrozen: Gate<PromotionInput> = ({ freezes, now }) => outsideFreezes(freezes ?? [], now);

const targetFree: Gate<PromotionInput> = ({ lockHolder, self }) =>
  lockHolder === undefined || lockHolder === self
    ? passed("TargetFree", "No other release is deploying to this target.")
    : blocked(
        "TargetLocked",
        `Release ${lockHolder} is deploying to the same target; this release waits its turn.`,
      );

/** The gates of an environment, in the order their reasons are reported. */
export const PROMOTION_GATES: readonly Gate<PromotionInput>[] = [
  previousVerified,
  requiredChecksDone,
  changeApproved,
  window,
  notFrozen,
  targetFree,
];

/** Decides whether a release may enter an environment, with every blocking reason. */
export function decidePromotionGate(input: PromotionInput): GateVerdict {
  return evaluateGates(input, PROMOTION_GATES);
}
