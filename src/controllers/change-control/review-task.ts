import type { ChangeRequestSpec, Requester } from "../../api/v1alpha1/change-request.js";
import type { ChecklistItem } from "../../api/v1alpha1/deployment-task.js";
import type { Owner } from "../../api/v1alpha1/meta.js";
import { formatTimestamp, parseDuration, parseTimestamp } from "../../runtime/duration.js";
import { reviewTaskName } from "./reasons.js";

/** The default of `gate.emergency.reviewDueAfter`, for an Environment that sets no emergency policy. */
export const DEFAULT_REVIEW_DUE_AFTER = "120h";

/** What the review task of an approved emergency change is decided from. */
export interface ReviewTaskInput {
  changeRequest: string;
  spec: Pick<ChangeRequestSpec, "releaseRef" | "environment" | "emergency" | "requestedBy">;
  /** When the change was approved. */
  resolvedAt: string;
  /** When the change was carried out, once it has been. */
  usedAt?: string | undefined;
  /** The Environment's `gate.emergency.reviewDueAfter`. */
  reviewDueAfter: string;
}

/** The spec the operator applies for a PostImplementationReview DeploymentTask, by its deterministic name. */
export interface ReviewTaskPlan {
  name: string;
  spec: {
    type: "PostImplementationReview";
    title: string;
    description: string;
    releaseRef: { name: string };
    environment: string;
    owners: Owner[];
    dueAt: string;
    checklist: Pick<ChecklistItem, "name" | "description" | "required">[];
  };
}

/** The steps every post-implementation review has; the first two must be done for the task to succeed. */
const CHECKLIST: ReviewTaskPlan["spec"]["checklist"] = [
  {
    name: "emergency-justified",
    description: "Explain why the change could not wait for the normal approval path, and what caused it.",
    required: true,
  },
  {
    name: "change-verified",
    description: "Record what was changed, when, and how it was verified in the environment.",
    required: true,
  },
  {
    name: "follow-up",
    description: "Open work items for a permanent fix or process change the emergency revealed, if any.",
    required: false,
  },
];

/**
 * Decides the post-implementation review of an approved emergency change: `<cr>-review`, owned by the
 * requester's groups (system:* groups dropped) or, without any, by the requester; due `reviewDueAfter` after the
 * change was used, or after its approval until it is used. Pure.
 */
export function decideReviewTask(input: ReviewTaskInput): ReviewTaskPlan {
  const start = input.usedAt ?? input.resolvedAt;
  const from = parseTimestamp(start);
  if (from === undefined)
    throw new Error(`The review of ${input.changeRequest} cannot be due after "${start}"`);
  const dueAt = formatTimestamp(new Date(from.getTime() + parseDuration(input.reviewDueAfter)));
  const { spec } = input;
  return {
    name: reviewTaskName(input.changeRequest),
    spec: {
      type: "PostImplementationReview",
      title: `Review emergency change ${input.changeRequest}`,
      description:
        `Post-implementation review of the emergency change ${input.changeRequest} of Release ` +
        `${spec.releaseRef.name} to Environment ${spec.environment}. Emergency reason: ` +
        `${spec.emergency?.reason ?? "not given"}`,
      releaseRef: { name: spec.releaseRef.name },
      environment: spec.environment,
      owners: reviewOwners(spec.requestedBy),
      dueAt,
      checklist: CHECKLIST.map((item) => ({ ...item })),
    },
  };
}

/** The requester's groups as owners, without the system:* groups every user has; the requester if none remain. */
export function reviewOwners(requester: Requester | undefined): Owner[] {
  if (requester === undefined) return [];
  const groups = [...new Set(requester.groups)].filter((g) => g !== "" && !g.startsWith("system:"));
  return groups.length > 0
    ? groups.map((name) => ({ kind: "Group" as const, name }))
    : [{ kind: "User" as const, name: requester.username }];
}
