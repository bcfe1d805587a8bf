import { z } from "zod";
import { LIMITS } from "./bounds.js";
import { Owner } from "./meta.js";

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
          "whoever holds the coordination role in the task's Environment (spec.roles).",
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
