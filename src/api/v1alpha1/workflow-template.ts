import { z } from "zod";
import { LIMITS } from "./bounds.js";
import { Conditions, ObservedGeneration } from "./condition.js";
import { ChecklistItem, TaskType } from "./deployment-task.js";
import { AGE_COLUMN, type KindDefinition } from "./kind-definition.js";
import { Duration, ObjectName } from "./meta.js";
import { TaskOwner } from "./roles.js";

/** The task types a template may open at a gate: work done before a release enters the environment. */
export const TemplateTaskType = TaskType.extract([
  "Checklist",
  "SecurityScan",
  "ConfigDrift",
  "EnvironmentReadiness",
  "UserAcceptance",
  "Coordination",
]).describe(
  "Checklist, SecurityScan, ConfigDrift, EnvironmentReadiness, UserAcceptance or Coordination: work done " +
    "before a release enters the environment. Verification, rollback and review tasks are opened by Stagegate " +
    "itself, not by templates.",
);
export type TemplateTaskType = z.infer<typeof TemplateTaskType>;

/** One checklist item a template task opens with: what a DeploymentTask's item is before anyone works on it. */
export const TemplateChecklistItem = ChecklistItem.pick({
  name: true,
  description: true,
  required: true,
  requiresEvidence: true,
}).describe("One step of a template task's checklist.");
export type TemplateChecklistItem = z.infer<typeof TemplateChecklistItem>;

/** One task a template opens for every release at one stage's gate. */
export const TemplateTask = z
  .object({
    name: z
      .string()
      .min(1)
      .max(40)
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be lowercase letters, digits and dashes (a DNS label)")
      .describe(
        "The task's name within the stage, for example db-migration; part of the task's object name.",
      ),
    type: TemplateTaskType,
    title: z
      .string()
      .max(200)
      .optional()
      .describe("A one-line summary; defaults to the type and the release."),
    description: z
      .string()
      .max(2048)
      .optional()
      .describe("Everything the person doing the work needs to know."),
    checklist: z
      .array(TemplateChecklistItem)
      .max(20)
      .optional()
      .meta({
        description:
          "The steps of the work. Absent: the default checklist of the task's type (docs/workflow-templates.md).",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      }),
    dependsOn: z
      .array(z.string().min(1).max(40))
      .max(10)
      .default([])
      .meta({
        description:
          "Tasks of the same stage that must succeed first: the task is Blocked, and cannot succeed, until they " +
          "have. No tasks may wait for each other (refused at admission).",
        "x-kubernetes-list-type": "set",
      }),
    owners: z
      .array(TaskOwner)
      .max(LIMITS.people)
      .default([])
      .describe(
        "Who owns the task: users, groups or coordination roles of the environment. Empty: the Environment's " +
          "owners, as for its required checks.",
      ),
    sla: Duration.optional().describe(
      "How long after opening the task is due. Absent: the Environment's taskSLA.",
    ),
  })
  .describe("A task every release using the template gets at the stage's gate.");
export type TemplateTask = z.infer<typeof TemplateTask>;

/** What a template asks of one environment of the pipeline. */
export const TemplateStage = z
  .object({
    environment: ObjectName.describe("The Environment this stage is."),
    tasks: z
      .array(TemplateTask)
      .max(10)
      .default([])
      .meta({
        description:
          "The tasks opened at the stage's gate; every one must succeed before the release enters, on top of the " +
          "Environment's own required checks.",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      }),
    approvals: z
      .object({
        required: z
          .number()
          .int()
          .min(1)
          .max(20)
          .describe(
            "How many approvals the stage's ChangeRequest needs at least, from the Environment's approvers.",
          ),
      })
      .optional()
      .describe(
        "The approval policy of the stage: raises the Environment's spec.gate.requiredApprovals, never lowers it.",
      ),
  })
  .describe("One stage of the workflow.");
export type TemplateStage = z.infer<typeof TemplateStage>;

/** What platform administrators write on a WorkflowTemplate. */
export const WorkflowTemplateSpec = z
  .object({
    description: z.string().max(1024).optional().describe("What the template is for."),
    changeType: z
      .enum(["Feature", "Hotfix"])
      .default("Feature")
      .describe(
        "The change type of the releases it applies to: a release using it must declare the same one.",
      ),
    regulated: z
      .boolean()
      .default(false)
      .describe(
        "Whether the workflow meets change control: a regulated Environment (spec.regulated) admits only " +
          "releases whose template is regulated.",
      ),
    stages: z
      .array(TemplateStage)
      .min(1)
      .max(10)
      .meta({
        description:
          "The stages, in order: a release using the template must list exactly these environments as its " +
          "spec.pipeline, in this order.",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["environment"],
      }),
  })
  .describe("The stages of a kind of release, the tasks each opens, their checklists, owners and SLAs.");
export type WorkflowTemplateSpec = z.infer<typeof WorkflowTemplateSpec>;

/** The WorkflowTemplate's status: nothing is concluded about it yet beyond its generation. */
export const WorkflowTemplateStatus = z
  .object({ observedGeneration: ObservedGeneration, conditions: Conditions.optional() })
  .describe("The state of the template as the operator last observed it.");

/** The WorkflowTemplate kind: a cluster-wide workflow a Release names at creation. */
export const workflowTemplateKind: KindDefinition<
  typeof WorkflowTemplateSpec,
  typeof WorkflowTemplateStatus
> = {
  kind: "WorkflowTemplate",
  plural: "workflowtemplates",
  singular: "workflowtemplate",
  listKind: "WorkflowTemplateList",
  shortNames: ["wft", "wfts"],
  scope: "Cluster",
  description:
    "A workflow for a kind of release (feature rollout, hotfix; regulated or not): its stages, the tasks each " +
    "stage opens with their checklists, dependencies, owners and SLAs, its change type and approval policy. A " +
    "Release names one at creation and keeps the version it was created with.",
  spec: WorkflowTemplateSpec,
  status: WorkflowTemplateStatus,
  printerColumns: [
    { name: "Change-Type", type: "string", jsonPath: ".spec.changeType", description: "Feature or Hotfix." },
    { name: "Regulated", type: "boolean", jsonPath: ".spec.regulated", description: "Meets change control." },
    {
      name: "Stages",
      type: "string",
      jsonPath: ".spec.stages[*].environment",
      description: "The environments, in order.",
    },
    AGE_COLUMN,
  ],
};
