import { z } from "zod";
import { GateBinding, IMMUTABLE_BINDING_RULE } from "./binding.js";
import { LIMITS, boundedStringMap } from "./bounds.js";
import { Conditions, ObservedGeneration } from "./condition.js";
import { AGE_COLUMN, type KindDefinition } from "./kind-definition.js";
import { EscalationStatus } from "./escalation-status.js";
import { TaskOwner } from "./roles.js";
import { TaskAcknowledgement, TaskHandovers } from "./task-handover.js";
import { Duration, ObjectName, Timestamp } from "./meta.js";

/** The kinds of work a DeploymentTask can stand for. */
export const TaskType = z
  .enum([
    "Checklist",
    "SecurityScan",
    "ConfigDrift",
    "EnvironmentReadiness",
    "UserAcceptance",
    "Rollback",
    "RollbackValidation",
    "PostDeployVerification",
    "PostImplementationReview",
    "Coordination",
  ])
  .describe(
    "What kind of work this is: Checklist, SecurityScan, ConfigDrift, EnvironmentReadiness, UserAcceptance, " +
      "Rollback, RollbackValidation, PostDeployVerification, PostImplementationReview or Coordination.",
  );
export type TaskType = z.infer<typeof TaskType>;

/** Proof that a piece of work was done, attached where a checklist item demands it. */
export const Evidence = z
  .object({
    uri: z
      .string()
      .max(LIMITS.uri)
      .optional()
      .describe("Where the evidence lives: an https:// URL, for example the scan report of this artifact."),
    digest: z
      .string()
      .max(LIMITS.digest)
      .optional()
      .describe(
        "The artifact the evidence attests: one of the task's spec.binding.artifact digests (sha256:...) or its " +
          "full commit id. A person's evidence names such a digest or an https:// URL.",
      ),
    result: z
      .enum(["Passed", "Failed", "Inconclusive"])
      .optional()
      .describe("The outcome the evidence records: Passed, Failed or Inconclusive."),
    notes: z.string().max(LIMITS.text).optional().describe("Free text a reviewer reads with the evidence."),
  })
  .describe("Proof that a checklist item was done.");
export type Evidence = z.infer<typeof Evidence>;

/** One item of a task's checklist. */
export const ChecklistItem = z
  .object({
    name: z.string().min(1).max(63).describe("A short identifier for the item, unique within the checklist."),
    description: z
      .string()
      .max(LIMITS.text)
      .optional()
      .describe("What has to be done, for the person doing it."),
    required: z
      .boolean()
      .default(true)
      .describe("Whether the task can only succeed once this item is Done. Defaults to true."),
    requiresEvidence: z
      .boolean()
      .default(false)
      .describe("Whether the item only counts as done when evidence is attached. Defaults to false."),
    state: z
      .enum(["Pending", "Done", "Failed", "Skipped"])
      .default("Pending")
      .describe(
        "Pending, Done, Failed (fails the whole task) or Skipped (only for items that are not required).",
      ),
    evidence: Evidence.optional(),
    completedBy: z
      .string()
      .max(LIMITS.identity)
      .optional()
      .describe(
        "Who last set the item's state or evidence: the authenticated user name, stamped by the admission " +
          "webhook (what a person types is replaced), or the Stagegate component that concluded it.",
      ),
    completedAt: Timestamp.optional().describe(
      "When the item's state or evidence last changed, stamped by the admission webhook from its clock.",
    ),
  })
  .meta({
    description: "One step of the task's checklist.",
    "x-kubernetes-validations": [
      {
        rule: "self.state != 'Skipped' || !self.required",
        message: "a required item cannot be Skipped: mark it Done, or set required to false",
        fieldPath: ".state",
      },
    ],
  });
export type ChecklistItem = z.infer<typeof ChecklistItem>;

/** An entry of the task's log: a comment or a measurement a retrospective can read. */
export const TaskLogEntry = z
  .object({
    time: Timestamp.describe("When the entry was written."),
    author: z.string().min(1).max(LIMITS.identity).describe("Who or what wrote the entry."),
    kind: z.enum(["Comment", "Metric"]).default("Comment").describe("Comment or Metric."),
    message: z.string().max(LIMITS.text).describe("The comment, or a sentence describing the measurement."),
    metric: z
      .object({
        name: z.string().min(1).max(256).describe("The measured quantity, for example error_rate."),
        value: z.number().describe("The measured value."),
        unit: z.string().max(32).optional().describe("The unit of the value, for example ratio or seconds."),
      })
      .optional()
      .describe("The measurement, for entries of kind Metric."),
  })
  .describe("A comment or measurement recorded on the task.");

/** The Prometheus alert that opened a Rollback task, as Alertmanager delivered it. */
export const AlertEvidence = z
  .object({
    name: z.string().max(256).optional().describe("The alert's name (its alertname label)."),
    fingerprint: z.string().min(1).max(64).describe("Alertmanager's fingerprint of the alert's labels."),
    startsAt: Timestamp.describe("When the alert started firing."),
    labels: boundedStringMap("The alert's labels.", { value: LIMITS.text }).default({}),
    annotations: boundedStringMap("The alert's annotations.", { value: LIMITS.text }).default({}),
    generatorURL: z.string().max(2048).optional().describe("The link to the expression that fired."),
    receivedAt: Timestamp.describe("When Stagegate first received the firing alert."),
    resolvedAt: Timestamp.optional().describe("When Alertmanager reported the alert resolved."),
  })
  .describe("The alert that opened this task, and its resolution once reported.");
export type AlertEvidence = z.infer<typeof AlertEvidence>;

/** What people write on a DeploymentTask. */
export const DeploymentTaskSpec = z
  .object({
    type: TaskType,
    title: z.string().min(1).max(256).describe("A one-line summary of the work."),
    description: z
      .string()
      .max(LIMITS.text)
      .optional()
      .describe("Everything the person doing the work needs to know."),
    releaseRef: z
      .object({ name: ObjectName.describe("The name of the Release in this namespace.") })
      .optional()
      .describe("The Release this task belongs to, if any."),
    environment: z.string().max(253).optional().describe("The Environment this task concerns, if any."),
    owners: z
      .array(TaskOwner)
      .max(LIMITS.people)
      .default([])
      .describe("Who is responsible for the work: users, groups, or coordination roles of its Environment."),
    dependsOn: z.array(ObjectName).max(LIMITS.dependencies).default([]).meta({
      description:
        "Names of DeploymentTasks in this namespace that must succeed before this one can be worked on.",
      "x-kubernetes-list-type": "set",
    }),
    dueAt: Timestamp.optional().describe("When the work is due. Set either dueAt or sla, not both."),
    sla: Duration.optional().describe(
      "How long after creation the work is due, for example 72h. Set either dueAt or sla, not both.",
    ),
    checklist: z
      .array(ChecklistItem)
      .max(LIMITS.checklistItems)
      .default([])
      .meta({
        description: "The steps of the work. The task succeeds when every required item is Done.",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      }),
    cancelled: z
      .boolean()
      .default(false)
      .describe("Set to true to cancel the task; it then never completes."),
    log: z
      .array(TaskLogEntry)
      .max(LIMITS.logEntries)
      .default([])
      .describe("Comments and measurements recorded while doing the work."),
    alert: AlertEvidence.optional(),
    binding: GateBinding.optional(),
    acknowledgement: TaskAcknowledgement.optional(),
    handovers: TaskHandovers,
  })
  .meta({
    description: "The work to do, who owns it, what it waits for and when it is due.",
    "x-kubernetes-validations": [
      {
        rule: "!(has(self.dueAt) && has(self.sla))",
        message: "set either dueAt or sla, not both",
      },
      IMMUTABLE_BINDING_RULE,
    ],
  });
export type DeploymentTaskSpec = z.infer<typeof DeploymentTaskSpec>;

/** The display phase of a task, derived from its conditions. */
export const TaskPhase = z.enum(["Blocked", "Ready", "Succeeded", "Cancelled", "Failed"]);
export type TaskPhase = z.infer<typeof TaskPhase>;

/** What the operator concludes about a DeploymentTask. */
export const DeploymentTaskStatus = z
  .object({
    observedGeneration: ObservedGeneration,
    conditions: Conditions.optional(),
    phase: TaskPhase.optional().describe(
      "Blocked, Ready, Succeeded, Cancelled or Failed; for display, derived from the conditions.",
    ),
    blockedBy: z.array(z.string()).optional().describe("Dependencies that have not succeeded yet."),
    progress: z.string().optional().describe("Required checklist items done, as done/required."),
    dueAt: Timestamp.optional().describe("When the work is due, from dueAt or from creation time plus sla."),
    completedAt: Timestamp.optional().describe("When the task succeeded; stamped once and never changed."),
    escalation: EscalationStatus.optional(),
  })
  .describe("The state of the task as the operator last observed it.");
export type DeploymentTaskStatus = z.infer<typeof DeploymentTaskStatus>;

/** The DeploymentTask kind: one unit of work in a release. */
export const deploymentTaskKind: KindDefinition<typeof DeploymentTaskSpec, typeof DeploymentTaskStatus> = {
  kind: "DeploymentTask",
  plural: "deploymenttasks",
  singular: "deploymenttask",
  listKind: "DeploymentTaskList",
  shortNames: ["dtask", "dtasks"],
  scope: "Namespaced",
  description:
    "A unit of release work (checklist, validation, sign-off, rollback, review) with owners, dependencies, " +
    "a due date and evidence.",
  spec: DeploymentTaskSpec,
  status: DeploymentTaskStatus,
  printerColumns: [
    { name: "Type", type: "string", jsonPath: ".spec.type", description: "The kind of work." },
    {
      name: "Release",
      type: "string",
      jsonPath: ".spec.releaseRef.name",
      description: "The Release it belongs to.",
    },
    {
      name: "Env",
      type: "string",
      jsonPath: ".spec.environment",
      description: "The Environment it concerns.",
    },
    {
      name: "Phase",
      type: "string",
      jsonPath: ".status.phase",
      description: "Blocked, Ready, Succeeded, Cancelled or Failed.",
    },
    {
      name: "Progress",
      type: "string",
      jsonPath: ".status.progress",
      description: "Required checklist items done.",
    },
    { name: "Due", type: "string", jsonPath: ".status.dueAt", description: "When the work is due." },
    {
      name: "Acked-By",
      type: "string",
      jsonPath: ".spec.acknowledgement.by",
      description: "The owner who acknowledged the task since its last hand-over.",
      priority: 1,
    },
    {
      name: "Overdue",
      type: "string",
      jsonPath: '.status.conditions[?(@.type=="Overdue")].status',
      description: "Whether the task is past its due time.",
    },
    {
      name: "Escalation",
      type: "integer",
      jsonPath: ".status.escalation.level",
      description: "The last level of the escalation chain reached.",
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
