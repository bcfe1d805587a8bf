import type { GateBinding } from "../../api/v1alpha1/binding.js";
import type { Artifact, PlannedWindow } from "../../api/v1alpha1/change-request.js";
import type { ChecklistItem, TaskType } from "../../api/v1alpha1/deployment-task.js";
import type { TaskOwner } from "../../api/v1alpha1/roles.js";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";

/** A checklist item as the operator opens it: what to do, whether it is required, whether it needs evidence. */
export type PlannedChecklistItem = Pick<
  ChecklistItem,
  "name" | "description" | "required" | "requiresEvidence"
>;

/**
 * Create the DeploymentTask of one required check when it does not exist. The glue creates it by its
 * deterministic name with an owner reference to the Release and never rewrites it, so people's progress stays.
 */
export interface EnsureCheckTask {
  kind: "EnsureCheckTask";
  name: string;
  environment: string;
  /** What the check attests: this release, environment, artifact and target. */
  binding: GateBinding;
  type: TaskType;
  title: string;
  description: string;
  releaseRef: { name: string };
  owners: TaskOwner[];
  checklist: PlannedChecklistItem[];
  /** The tasks of the same binding this one waits for (a workflow template's dependencies); absent when none. */
  dependsOn?: string[];
  /** The Environment's `taskSLA`; absent when it sets none, or when `dueAt` is set. */
  sla?: string;
  /** When the task is due, for readiness checks due as the next window opens. */
  dueAt?: string;
}

/**
 * Create the Normal ChangeRequest that asks to open an environment's gate, when it does not exist. Its spec is
 * fixed at creation (approvers judge what they saw), so the glue never updates an existing one.
 */
export interface EnsureChangeRequest {
  kind: "EnsureChangeRequest";
  name: string;
  environment: string;
  /** What the change asks to clear: this release, environment, artifact and target. */
  binding: GateBinding;
  type: "Normal";
  justification: string;
  plannedWindow: PlannedWindow;
  artifacts: Artifact[];
  releaseRef: { name: string };
}

/**
 * Deploy `revision` through `target`, once the promotion is recorded in the status (Deploying, the delivery request
 * pending): the glue takes the target's lock and asks the adapter to promote **in one write** of the delivery object
 * (its resourceVersion as read in the pass is the precondition, so two releases cannot both take it, and the lock and
 * the request cannot be separated by a crash), then marks `changeRequest` (when the environment needed one) as used.
 * A lock another holder left that holds nothing (ADR 0023) is taken over by its own write first. Emitted only while
 * the stored entry has the request pending and the lock is free or such a leftover (ADR 0037).
 */
export interface Promote {
  kind: "Promote";
  environment: string;
  target: ReleaseTarget;
  revision: string;
  /** Which promotion into the environment this is: part of its audit id. */
  promotion: number;
  changeRequest?: string;
}

/**
 * The lock names this release while its promotion is recorded with the request pending: the one write that took the
 * lock made the request, so nothing is asked again. The glue records the lock and the promotion again under their
 * transitions (the store keeps one entry each; one a crash lost after the write is written now) and marks the change
 * used when it is not yet (ADR 0037). No write to the delivery object.
 */
export interface ConfirmPromotion {
  kind: "ConfirmPromotion";
  environment: string;
  target: ReleaseTarget;
  revision: string;
  promotion: number;
  changeRequest?: string;
}

/** Release the lock this release holds on the environment's target, once it is Verified or Failed there. */
export interface ReleaseLock {
  kind: "ReleaseLock";
  environment: string;
  /** The promotion that took the lock: part of the audit id of its release. */
  promotion: number;
}

/** One thing the glue does for a decision; every action is idempotent, so repeating one is harmless. */
export type ReleaseAction = EnsureCheckTask | EnsureChangeRequest | Promote | ConfirmPromotion | ReleaseLock;
