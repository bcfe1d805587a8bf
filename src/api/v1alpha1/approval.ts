import { z } from "zod";
import { Conditions, ObservedGeneration } from "./condition.js";
import { ApproverSet } from "./environment.js";
import { AGE_COLUMN, type KindDefinition } from "./kind-definition.js";
import { ObjectName, Timestamp } from "./meta.js";

/** The three answers of a gate keeper: go, kill or hold. */
export const DecisionValue = z
  .enum(["Approve", "Reject", "Defer"])
  .describe("Approve (go), Reject (kill) or Defer (hold until revisitAt).");
export type DecisionValue = z.infer<typeof DecisionValue>;

/** One approver's decision; each approver owns exactly one entry, keyed by their identity. */
export const Decision = z
  .object({
    approver: z
      .string()
      .min(1)
      .max(512)
      .describe(
        "The authenticated user name of the approver. The admission webhook checks it against the identity " +
          "of the request, so nobody can decide in someone else's name.",
      ),
    decision: DecisionValue,
    comment: z.string().max(4096).optional().describe("Why the approver decided this way."),
    decidedAt: Timestamp.describe("When the decision was made."),
    revisitAt: Timestamp.optional().describe(
      "When a deferred change is looked at again; required for Defer.",
    ),
  })
  .meta({
    description: "One approver's decision on the change.",
    "x-kubernetes-validations": [
      {
        rule: "self.decision != 'Defer' || has(self.revisitAt)",
        message: "a Defer decision needs revisitAt: say when the change should be looked at again",
        fieldPath: ".revisitAt",
        reason: "FieldValueRequired",
      },
    ],
  });
export type Decision = z.infer<typeof Decision>;

/** What the operator writes (who may decide, how many must) and approvers fill in (their decisions). */
export const ApprovalSpec = z
  .object({
    changeRequestRef: z
      .object({ name: ObjectName.describe("The name of the ChangeRequest in this namespace.") })
      .describe("The ChangeRequest these decisions are about."),
    required: z
      .number()
      .int()
      .min(1)
      .max(20)
      .describe("How many Approve decisions the change needs; a single Reject rejects it."),
    eligible: ApproverSet.meta({
      "x-kubernetes-validations": [
        {
          rule: "size(self.users) + size(self.groups) > 0",
          message: "name at least one eligible user or group, or nobody can decide",
        },
      ],
    }),
    decisions: z
      .array(Decision)
      .max(100)
      .default([])
      .meta({
        description: "The decisions made so far, one per approver.",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["approver"],
      }),
  })
  .describe("Who may decide the change, how many approvals it needs, and the decisions made so far.");
export type ApprovalSpec = z.infer<typeof ApprovalSpec>;

/** The result of an Approval, as the operator counts it. */
export const ApprovalOutcome = z
  .enum(["Pending", "Approved", "Rejected", "Deferred", "Expired"])
  .describe("Pending, Approved, Rejected, Deferred or Expired.");
export type ApprovalOutcome = z.infer<typeof ApprovalOutcome>;

/** What the operator concludes about an Approval. */
export const ApprovalStatus = z
  .object({
    observedGeneration: ObservedGeneration,
    conditions: Conditions.optional(),
    outcome: ApprovalOutcome.optional(),
    approvals: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("How many valid Approve decisions count toward spec.required."),
  })
  .describe("The state of the approval as the operator last observed it.");
export type ApprovalStatus = z.infer<typeof ApprovalStatus>;

/** The Approval kind: the decisions of the people allowed to decide a ChangeRequest. */
export const approvalKind: KindDefinition<typeof ApprovalSpec, typeof ApprovalStatus> = {
  kind: "Approval",
  plural: "approvals",
  singular: "approval",
  listKind: "ApprovalList",
  shortNames: ["apv", "apvs"],
  scope: "Namespaced",
  description:
    "The decisions (approve, reject, defer) of the people allowed to decide a ChangeRequest; each approver " +
    "writes only their own decision.",
  spec: ApprovalSpec,
  status: ApprovalStatus,
  printerColumns: [
    {
      name: "ChangeRequest",
      type: "string",
      jsonPath: ".spec.changeRequestRef.name",
      description: "The ChangeRequest decided.",
    },
    { name: "Required", type: "integer", jsonPath: ".spec.required", description: "Approvals needed." },
    { name: "Approvals", type: "integer", jsonPath: ".status.approvals", description: "Approvals counted." },
    {
      name: "Outcome",
      type: "string",
      jsonPath: ".status.outcome",
      description: "Pending, Approved, Rejected, Deferred or Expired.",
    },
    AGE_COLUMN,
  ],
};
