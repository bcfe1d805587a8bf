import type { DeploymentTaskSpec } from "../../api/v1alpha1/deployment-task.js";
import { findCondition, setCondition } from "../../runtime/conditions.js";
import type { TaskDecision } from "./decide.js";

/** The condition that says whether a task is somebody's, for a release that exists. */
export const ACCOUNTABLE = "Accountable";

/** The reasons of the Accountable condition. */
export const AccountabilityReason = {
  OwnersAssigned: "OwnersAssigned",
  ReleaseNotFound: "ReleaseNotFound",
  NoOwners: "NoOwners",
} as const;

/** What the check reads besides the spec: whether the Release named by spec.releaseRef exists in the namespace. */
export interface AccountabilityInput {
  namespace: string;
  spec: Pick<DeploymentTaskSpec, "owners" | "releaseRef">;
  /** Undefined when the task names no release. */
  releaseExists: boolean | undefined;
}

/** The Accountable verdict: True, or False with the reason and what to fix. */
export interface AccountabilityVerdict {
  status: "True" | "False";
  reason: (typeof AccountabilityReason)[keyof typeof AccountabilityReason];
  message: string;
}

/**
 * Whether a task is accountable: it names at least one owner, and the Release it names (if any) exists. A task
 * without owners is nobody's to do, and a task for a release that does not exist is about nothing; both are
 * reported instead of looking like ordinary Ready work. A missing release is named first. Pure.
 */
export function assessAccountability(input: AccountabilityInput): AccountabilityVerdict {
  const release = input.spec.releaseRef?.name;
  if (release !== undefined && input.releaseExists === false) {
    return {
      status: "False",
      reason: AccountabilityReason.ReleaseNotFound,
      message:
        `spec.releaseRef.name names Release ${release}, which does not exist in namespace ${input.namespace}: ` +
        "create the Release, or correct spec.releaseRef.name.",
    };
  }
  if (input.spec.owners.length === 0) {
    return {
      status: "False",
      reason: AccountabilityReason.NoOwners,
      message:
        "spec.owners is empty, so nobody is responsible for this task: add at least one User or Group to " +
        "spec.owners.",
    };
  }
  const owners = input.spec.owners.map((o) => `${o.kind} ${o.name}`).join(", ");
  return {
    status: "True",
    reason: AccountabilityReason.OwnersAssigned,
    message:
      release === undefined
        ? `The task is owned by ${owners}.`
        : `The task is owned by ${owners}, for Release ${release}.`,
  };
}

/**
 * A task decision with the Accountable condition set from `verdict`, and a Warning event when it turns False or
 * changes its reason while False (once per transition, whatever woke the reconciler).
 */
export function withAccountability(
  decision: TaskDecision,
  verdict: AccountabilityVerdict,
  observedGeneration: number | undefined,
  now: Date,
): TaskDecision {
  const previous = findCondition(decision.status.conditions, ACCOUNTABLE);
  const conditions = setCondition(
    decision.status.conditions,
    { type: ACCOUNTABLE, ...verdict, observedGeneration },
    now,
  );
  const turnedFalse =
    verdict.status === "False" && (previous?.status !== "False" || previous.reason !== verdict.reason);
  return {
    ...decision,
    status: { ...decision.status, conditions },
    events: turnedFalse
      ? [...decision.events, { type: "Warning", reason: verdict.reason, message: verdict.message }]
      : decision.events,
  };
}
