import { z } from "zod";
import { Conditions, ObservedGeneration } from "./condition.js";
import { ApproverSet } from "./environment.js";
import { AGE_COLUMN, type KindDefinition } from "./kind-definition.js";
import { ObjectName, Timestamp } from "./meta.js";
import { EscalationStatus } from "./escalation-status.js";

/** The three answers of a gate keeper: go, kill or hold. */
export const DecisionValue = z
  .enum(["Approve", "Reject", "Defer"])
  .describe("Approve (go), Reject (kill) or Defer (hold until revisitAt).");
export type DecisionValue = z.infer<typeof DecisionValue>;

/** One approver's decision; each approver owns exactly one entry, keyed by their user name. */
export const Decision = z
  .object({
    decision: DecisionValue,
    comment: z.string().max(4096).optional().describe("Why the approver decided this way."),
    decidedAt: Timestamp.describe(
      "When the decision was made. Stamped by the admission webhook from the server's clock; whatever the " +
        "approver typed is replaced.",
    ),
    revisitAt: Timestamp.optional().describe(
      "When a deferred change is looked at again; required for Defer.",
    ),
    groups: z
      .array(z.string().max(512))
      .max(100)
      .optional()
      .describe(
        "The approver's authenticated groups when they decided, stamped by the admission webhook (used to " +
          "count required groups such as the change advisory board).",
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

/** A user barred from deciding, and why (separation of duties). */
export const ExcludedApprover = z
  .object({
    user: z.string().min(1).max(512).describe("The authenticated user name that may not decide."),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .describe("Why, for example: requested the change, or authored commit 3f2a1c9."),
  })
  .describe("A user who may not decide this change under separation of duties.");
export type ExcludedApprover = z.infer<typeof ExcludedApprover>;

/** The operator sets these at creation; nobody may change them afterwards. */
const fixedAtCreation = (what: string) => ({
  "x-kubernetes-validations": [
    {
      rule: "self == oldSelf",
      message: `${what} is set by the operator when the approval is opened and cannot change`,
    },
  ],
});

/** What the operator writes (who may decide, how many must) and approvers fill in (their decisions). */
export const ApprovalSpec = z
  .object({
    changeRequestRef: z
      .object({ name: ObjectName.describe("The name of the ChangeRequest in this namespace.") })
      .meta({
        description: "The ChangeRequest these decisions are about.",
        ...fixedAtCreation("changeRequestRef"),
      }),
    required: z
      .number()
      .int()
      .min(1)
      .max(20)
      .meta({
        description: "How many Approve decisions the change needs; a single Reject rejects it.",
        ...fixedAtCreation("required"),
      }),
    eligible: ApproverSet.meta({
      "x-kubernetes-validations": [
        ...fixedAtCreation("eligible")["x-kubernetes-validations"],
        {
          rule: "size(self.users) + size(self.groups) > 0",
          message: "name at least one eligible user or group, or nobody can decide",
        },
      ],
    }),
    requiredGroups: z
      .array(z.string().min(1).max(512))
      .max(10)
      .default([])
      .meta({
        description:
          "Groups each of which must contribute at least one Approve (for example the change advisory board " +
          "for high-risk changes).",
        ...fixedAtCreation("requiredGroups"),
      }),
    excluded: z
      .array(ExcludedApprover)
      .max(200)
      .default([])
      .meta({
        description:
          "Users who may not decide under separation of duties: the requester and the authors of the " +
          "release's commits.",
        ...fixedAtCreation("excluded"),
      }),
    decisions: z
      .record(z.string().min(1).max(512), Decision)
      .default({})
      .meta({
        description:
          "The decisions made so far, keyed by the approver's authenticated user name. Each approver adds only " +
          "their own entry (kubectl patch approval NAME --type merge -p " +
          '\'{"spec":{"decisions":{"alice":{"decision":"Approve","comment":"..."}}}}\'); ' +
          "the admission webhook checks the key against the request's identity. A decision once written can be " +
          "neither changed nor removed.",
        maxProperties: 100,
        "x-kubernetes-validations": [
          {
            rule: "oldSelf.all(k, k in self && self[k] == oldSelf[k])",
            message: "a decision once written can be neither changed nor removed",
          },
        ],
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
    decidedBy: z
      .string()
      .optional()
      .describe(
        "Who decided the outcome: the approver whose decision settled it, or the operator for an expiry.",
      ),
    decidedAt: Timestamp.optional().describe("When the outcome was settled; stamped once."),
    expiresAt: Timestamp.optional().describe("When the request lapses if nobody has decided it."),
    closedAt: Timestamp.optional().describe(
      "When the approval closed. From then on its spec, decisions included, is immutable for everyone.",
    ),
    retainUntil: Timestamp.optional().describe("The approval cannot be deleted before this time."),
    escalation: EscalationStatus.optional(),
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
    {
      name: "Escalation",
      type: "integer",
      jsonPath: ".status.escalation.level",
      description: "The last level of the approval SLA's escalation chain reached.",
    },
    {
      name: "Next-Escalation",
      type: "string",
      jsonPath: ".status.escalation.nextAt",
      description: "When the next level of the escalation chain is due.",
    },
    AGE_COLUMN,
  ],
};
