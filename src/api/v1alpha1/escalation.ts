import { z } from "zod";
import { LIMITS } from "./bounds.js";
import { TaskType } from "./deployment-task.js";
import { Duration } from "./meta.js";
import { CoordinationRole } from "./roles.js";

/** Who one level of an escalation chain notifies. */
export const EscalationRecipients = z
  .object({
    owners: z
      .boolean()
      .default(false)
      .describe(
        "The task's owners (for a task chain) or the environment's approvers (for the approval chain).",
      ),
    releaseManager: z
      .boolean()
      .default(false)
      .describe("The release manager of the task's or change's Release."),
    cab: z.boolean().default(false).describe("The environment's change advisory board (spec.gate.cabGroup)."),
    users: z
      .array(z.string().min(1).max(LIMITS.identity))
      .max(LIMITS.people)
      .default([])
      .describe("Users by name."),
    groups: z
      .array(z.string().min(1).max(LIMITS.identity))
      .max(LIMITS.people)
      .default([])
      .describe("Groups by name, for example a team's leads."),
  })
  .describe("Who a level notifies: roles of the object and named users and groups.");
export type EscalationRecipients = z.infer<typeof EscalationRecipients>;

/** One level of an escalation chain. */
export const EscalationLevel = z
  .object({
    after: Duration.describe(
      "How long after the SLA is breached this level is reached, for example 0s, 4h, 24h.",
    ),
    notify: EscalationRecipients,
  })
  .describe("A level of the chain: when it is reached after the breach, and whom it notifies.");
export type EscalationLevel = z.infer<typeof EscalationLevel>;

const Levels = z
  .array(EscalationLevel)
  .min(1)
  .max(10)
  .describe("The levels, in order; each level's after must be later than the one before.");

/** The SLA and escalation chain of tasks of some types in an environment. */
export const TaskEscalation = z
  .object({
    types: z.array(TaskType).max(10).default([]).meta({
      description:
        "The task types this chain applies to; empty means every type. The first matching chain applies.",
      "x-kubernetes-list-type": "set",
    }),
    roles: z
      .array(CoordinationRole)
      .max(6)
      .default([])
      .meta({
        description:
          "The owning roles this chain applies to: a task opened with an owner of kind Role named here (its " +
          "spec.owners, not a later hand-over). Empty means any owner. A chain naming one of the task's roles takes " +
          "precedence over every chain that names none; within each group the first matching chain applies.",
        "x-kubernetes-list-type": "set",
      }),
    sla: Duration.optional().describe(
      "How long after creation a task of these types must be done. When set, it is the SLA the chain counts from, " +
        "whatever the task's own dueAt or sla say (they cannot postpone an escalation); when unset, the chain counts " +
        "from the task's due time.",
    ),
    levels: Levels,
  })
  .describe("The SLA of tasks of some types, or owned by some roles, and the chain that escalates a breach.");
export type TaskEscalation = z.infer<typeof TaskEscalation>;

/** The SLA and escalation chain of approvals in an environment. */
export const ApprovalEscalation = z
  .object({
    sla: Duration.describe(
      "How long an Approval may wait for its decisions before the SLA is breached, for example 8h.",
    ),
    levels: Levels,
  })
  .describe("The SLA of approvals and the chain that escalates a breach.");
export type ApprovalEscalation = z.infer<typeof ApprovalEscalation>;

/** SLAs and escalation chains of an environment. */
export const EscalationPolicy = z
  .object({
    tasks: z
      .array(TaskEscalation)
      .max(20)
      .default([])
      .describe(
        "Chains for tasks: the first that matches the task's type and one of its owning roles, else the first that " +
          "matches its type and names no roles.",
      ),
    approvals: ApprovalEscalation.optional(),
  })
  .describe("When work and approvals in this environment are late, and who hears of it, level by level.");
export type EscalationPolicy = z.infer<typeof EscalationPolicy>;
