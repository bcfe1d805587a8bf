import { z } from "zod";
import { LIMITS } from "./bounds.js";
import { EmailAddress, Owner } from "./meta.js";

/** The coordination roles work can be owned by. */
export const CoordinationRole = z
  .enum(["ReleaseManager", "InfrastructureOwner", "ApplicationOwner", "QA", "Security", "CAB"])
  .describe("ReleaseManager, InfrastructureOwner, ApplicationOwner, QA, Security or CAB.");
export type CoordinationRole = z.infer<typeof CoordinationRole>;

/** Who holds one coordination role in an environment. */
export const RoleMembers = z
  .object({
    role: CoordinationRole,
    members: z.array(Owner).min(1).max(LIMITS.people).describe("The users and groups who hold the role."),
    emails: z
      .array(EmailAddress)
      .max(50)
      .optional()
      .describe(
        "Where notifications to the role go by e-mail (NotificationRoute recipients.roles): the role's addresses, " +
          "written here by administrators, never derived from user or group names.",
      ),
  })
  .describe("The people and groups who hold a coordination role in this environment.");
export type RoleMembers = z.infer<typeof RoleMembers>;

/** A task owner: a user, a group, or a coordination role of the task's environment. */
export const TaskOwner = z
  .object({
    kind: z
      .enum(["User", "Group", "Role"])
      .default("User")
      .describe(
        "User for one authenticated user name, Group for every member of an authenticated group, Role for " +
          "whoever holds the coordination role in the task's Environment (spec.teamRoles of the task's team, for the " +
          "team's namespaces, else spec.roles), plus the holders the team's TeamRoleBindings add (docs/roles.md).",
      ),
    name: z
      .string()
      .min(1)
      .max(512)
      .describe("The user or group name as the API server authenticates it, or the role's name."),
  })
  .meta({
    description: "A user, group or coordination role responsible for a piece of work.",
    "x-kubernetes-validations": [
      {
        rule: "self.kind != 'Role' || self.name in ['ReleaseManager', 'InfrastructureOwner', 'ApplicationOwner', 'QA', 'Security', 'CAB']",
        message:
          "a Role owner names one of ReleaseManager, InfrastructureOwner, ApplicationOwner, QA, Security or CAB",
        fieldPath: ".name",
      },
    ],
  });
export type TaskOwner = z.infer<typeof TaskOwner>;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Who holds coordination roles for one team in an environment, and which namespaces are that team's. A task's
 * `stagegate.io/team` label only says which binding to look up; the binding applies only to tasks in one of its
 * namespaces, so relabelling work to another team never makes that team's members its owners.
 */
export const TeamRoles = z
  .object({
    team: z
      .string()
      .max(63)
      .regex(DNS_LABEL, "must be a DNS-1123 label, as the stagegate.io/team label's value")
      .describe("The team, as the stagegate.io/team label of its releases and tasks names it."),
    namespaces: z
      .array(z.string().max(63).regex(DNS_LABEL, "must be a namespace name"))
      .min(1)
      .max(LIMITS.people)
      .meta({
        description:
          "The namespaces whose work is this team's: the binding applies only to tasks in one of them, whatever " +
          "team label a task or release carries.",
        "x-kubernetes-list-type": "set",
      }),
    roles: z
      .array(RoleMembers)
      .min(1)
      .max(6)
      .meta({
        description:
          "Who holds each coordination role for this team here; a role not listed falls back to spec.roles.",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["role"],
      }),
  })
  .describe("The coordination roles of one team in this environment, for the team's namespaces.");
export type TeamRoles = z.infer<typeof TeamRoles>;
