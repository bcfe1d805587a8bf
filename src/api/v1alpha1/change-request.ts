import { z } from "zod";
import { GateBinding, IMMUTABLE_BINDING_RULE } from "./binding.js";
import { Conditions, ObservedGeneration } from "./condition.js";
import { RiskClass } from "./environment.js";
import { AGE_COLUMN, type KindDefinition } from "./kind-definition.js";
import { ObjectName, Timestamp } from "./meta.js";

/** The change types of ITIL change management, which decide how much scrutiny a change gets. */
export const ChangeType = z
  .enum(["Standard", "Normal", "Emergency"])
  .describe(
    "Standard (pre-approved and low risk), Normal (assessed and approved per change) or Emergency " +
      "(urgent, approved by the emergency approvers, reviewed afterwards).",
  );
export type ChangeType = z.infer<typeof ChangeType>;

/** When the change is planned to happen; approvers judge the change against this window. */
export const PlannedWindow = z
  .object({
    start: Timestamp.describe("When the change may start."),
    end: Timestamp.describe("When the change must be finished; after start."),
  })
  .meta({
    description: "The period in which the change is planned to happen.",
    "x-kubernetes-validations": [
      {
        rule: "self.end > self.start",
        message: "the planned window must end after it starts: set end later than start",
        fieldPath: ".end",
      },
    ],
  });
export type PlannedWindow = z.infer<typeof PlannedWindow>;

/** A deployable artifact the change ships, so approvers and auditors see exactly what goes out. */
export const Artifact = z
  .object({
    name: z.string().min(1).max(253).describe("A name for the artifact, unique within the change."),
    image: z
      .string()
      .max(1024)
      .optional()
      .describe("The container image reference, for example ghcr.io/acme/api."),
    digest: z
      .string()
      .max(160)
      .regex(/^[a-z0-9]+:[a-f0-9]{32,128}$/, "must be a digest such as sha256:...")
      .optional()
      .describe("The content digest of the artifact, for example sha256:..."),
    revision: z.string().max(255).optional().describe("The Git revision the artifact was built from."),
  })
  .describe("An artifact the change deploys.");
export type Artifact = z.infer<typeof Artifact>;

/** Why a change skips the normal path, and until when that exception holds. */
export const EmergencyDetails = z
  .object({
    reason: z.string().min(1).max(4096).describe("Why the change cannot wait for the normal approval path."),
    expiresAt: Timestamp.describe("When the emergency approval lapses if the change has not been made."),
  })
  .describe("Details every Emergency change must carry.");
export type EmergencyDetails = z.infer<typeof EmergencyDetails>;

/** The identity that asked for the change, taken from the authenticated API request. */
export const Requester = z
  .object({
    username: z.string().min(1).max(512).describe("The authenticated user name of the requester."),
    groups: z
      .array(z.string().max(512))
      .max(100)
      .default([])
      .describe("The requester's authenticated groups."),
  })
  .describe(
    "Who requested the change. Stamped from the authenticated API request by the admission webhook, never " +
      "taken from what the user typed. It lives in spec (not status) because it is set at creation, by " +
      "admission, where status writes are ignored. A CEL transition rule makes it immutable: it cannot be " +
      "added, changed or removed after creation.",
  );
export type Requester = z.infer<typeof Requester>;

/** What a release team writes on a ChangeRequest. */
export const ChangeRequestSpec = z
  .object({
    releaseRef: z
      .object({ name: ObjectName.describe("The name of the Release in this namespace.") })
      .describe("The Release this change moves."),
    environment: ObjectName.describe("The Environment whose gate this change asks to open."),
    type: ChangeType,
    justification: z.string().min(1).max(4096).describe("Why the change is needed and why now."),
    plannedWindow: PlannedWindow,
    artifacts: z
      .array(Artifact)
      .max(100)
      .default([])
      .meta({
        description: "The artifacts the change deploys.",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      }),
    emergency: EmergencyDetails.optional(),
    requestedBy: Requester.optional(),
    binding: GateBinding.optional(),
  })
  .meta({
    description: "What is to change, where, why, when, and of which type.",
    "x-kubernetes-validations": [
      {
        rule: "self.type != 'Emergency' || has(self.emergency)",
        message: "a change of type Emergency needs spec.emergency with a reason and an expiresAt",
        fieldPath: ".emergency",
        reason: "FieldValueRequired",
      },
      {
        rule: "self.type == 'Emergency' || !has(self.emergency)",
        message: "spec.emergency is only for changes of type Emergency: remove it or set type to Emergency",
        fieldPath: ".emergency",
      },
      {
        rule:
          "has(self.requestedBy) == has(oldSelf.requestedBy) && " +
          "(!has(self.requestedBy) || self.requestedBy == oldSelf.requestedBy)",
        message: "spec.requestedBy is stamped at creation and cannot be added, changed or removed afterwards",
        fieldPath: ".requestedBy",
      },
      IMMUTABLE_BINDING_RULE,
      {
        rule:
          "!has(self.binding) || (self.environment == self.binding.environment && " +
          "self.releaseRef.name == self.binding.release.name)",
        message:
          "a bound change must name the environment and release of its binding: spec.environment and " +
          "spec.releaseRef.name cannot differ from spec.binding",
        fieldPath: ".environment",
      },
      {
        rule: "!has(oldSelf.binding) || self.type == oldSelf.type",
        message: "the type of a change Stagegate opened cannot be edited: open a new ChangeRequest instead",
        fieldPath: ".type",
      },
    ],
  });
export type ChangeRequestSpec = z.infer<typeof ChangeRequestSpec>;

/** How a ChangeRequest ended. */
export const Resolution = z
  .enum(["Approved", "Rejected", "Deferred", "Expired"])
  .describe("Approved, Rejected, Deferred (revisit later) or Expired (no decision in time).");
export type Resolution = z.infer<typeof Resolution>;

/** What the operator concludes about a ChangeRequest. */
export const ChangeRequestStatus = z
  .object({
    observedGeneration: ObservedGeneration,
    conditions: Conditions.optional(),
    riskClass: RiskClass.optional(),
    riskRule: z.string().max(1024).optional().describe("The risk rule that decided the risk class."),
    resolution: Resolution.optional(),
    resolvedBy: z.string().optional().describe("Who resolved the change, or the operator for an expiry."),
    resolvedAt: Timestamp.optional().describe("When the change was resolved; stamped once."),
    revisitAt: Timestamp.optional().describe("When a deferred change is looked at again."),
    approvalRef: z
      .object({ name: ObjectName.describe("The name of the Approval in this namespace.") })
      .optional()
      .describe("The Approval the operator opened for the current round of decisions."),
    round: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe("The round of decisions: 1, then one more each time a deferred change is revisited."),
    reviewTaskRef: z
      .object({ name: ObjectName.describe("The name of the DeploymentTask in this namespace.") })
      .optional()
      .describe("The post-implementation review opened for an approved emergency change."),
    usedAt: Timestamp.optional().describe(
      "When the approved change was carried out (the environment deployed).",
    ),
    closedAt: Timestamp.optional().describe(
      "When the change closed (approved and used, rejected or expired). From then on its spec is immutable " +
        "for everyone, cluster administrators included.",
    ),
    retainUntil: Timestamp.optional().describe("The change cannot be deleted before this time."),
  })
  .describe("The state of the change as the operator last observed it.");
export type ChangeRequestStatus = z.infer<typeof ChangeRequestStatus>;

/** The ChangeRequest kind: a request to open one environment's gate for one Release. */
export const changeRequestKind: KindDefinition<typeof ChangeRequestSpec, typeof ChangeRequestStatus> = {
  kind: "ChangeRequest",
  plural: "changerequests",
  singular: "changerequest",
  listKind: "ChangeRequestList",
  shortNames: ["cr", "crs"],
  scope: "Namespaced",
  description:
    "A request to open one environment's gate for one Release: its type, justification, planned window, " +
    "risk class and resolution.",
  spec: ChangeRequestSpec,
  status: ChangeRequestStatus,
  validations: [
    {
      rule:
        "!has(oldSelf.status) || (!has(oldSelf.status.approvalRef) && !has(oldSelf.status.resolution)) || " +
        "self.spec == oldSelf.spec",
      message:
        "the spec of a change cannot be edited once its approval has started (status.approvalRef or " +
        "status.resolution is set): open a new ChangeRequest instead",
      fieldPath: ".spec",
    },
  ],
  printerColumns: [
    {
      name: "Release",
      type: "string",
      jsonPath: ".spec.releaseRef.name",
      description: "The Release it moves.",
    },
    {
      name: "Env",
      type: "string",
      jsonPath: ".spec.environment",
      description: "The Environment it opens.",
    },
    { name: "Type", type: "string", jsonPath: ".spec.type", description: "Standard, Normal or Emergency." },
    { name: "Risk", type: "string", jsonPath: ".status.riskClass", description: "The assessed risk class." },
    {
      name: "Resolution",
      type: "string",
      jsonPath: ".status.resolution",
      description: "Approved, Rejected, Deferred or Expired.",
    },
    AGE_COLUMN,
  ],
};
