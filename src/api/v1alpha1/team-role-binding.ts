import { z } from "zod";
import { LIMITS } from "./bounds.js";
import { Conditions, ObservedGeneration } from "./condition.js";
import { AGE_COLUMN, type KindDefinition } from "./kind-definition.js";
import { RoleMembers } from "./roles.js";
import { shaped } from "./source-rules.js";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Who holds coordination roles for one team, in every environment and namespace it names (or all of them), so a team
 * that ships to dev, test, staging and prod binds its people once. Written by administrators only: no shipped role
 * grants a write verb on it, and as a cluster-scoped kind no namespace RoleBinding can (ADR 0056). Its holders are
 * added to those the task's Environment binds for the same role; a binding never removes a holder.
 */
export const TeamRoleBindingSpec = z
  .object({
    team: shaped(z.string().max(63), {
      pattern: DNS_LABEL.source,
      message:
        "must be the stagegate.io/team label's value: lower-case letters, digits and '-', starting and ending with a " +
        "letter or digit (for example payments)",
    }).describe("The team, as the stagegate.io/team label of its namespaces, releases and tasks names it."),
    namespaces: z
      .array(z.string().max(63).regex(DNS_LABEL, "must be a namespace name"))
      .min(1)
      .max(LIMITS.people)
      .optional()
      .meta({
        description:
          "The namespaces whose work is this team's: the binding applies to tasks there whose team is this one (the " +
          "task's stagegate.io/team label among the teams bound to the namespace by name, else the only one). " +
          "Absent: every namespace whose Namespace carries the stagegate.io/team label of this team (written by " +
          "those who administer namespaces); a task's own label never stands in.",
        "x-kubernetes-list-type": "set",
      }),
    environments: z
      .array(z.string().max(253).regex(DNS_SUBDOMAIN, "must be an Environment name"))
      .min(1)
      .max(LIMITS.people)
      .optional()
      .meta({
        description: "The Environments it applies in, by name. Absent: every Environment.",
        "x-kubernetes-list-type": "set",
      }),
    roles: z
      .array(RoleMembers)
      .min(1)
      .max(6)
      .meta({
        description:
          "Who holds each coordination role for this team: added to the holders the task's Environment binds for " +
          "the same role (spec.roles, or spec.teamRoles of this team), never replacing them.",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["role"],
      }),
  })
  .describe("A team's coordination roles across environments and namespaces.");
export type TeamRoleBindingSpec = z.infer<typeof TeamRoleBindingSpec>;

/** The TeamRoleBinding's status: nothing is concluded about it beyond its generation. */
export const TeamRoleBindingStatus = z
  .object({ observedGeneration: ObservedGeneration, conditions: Conditions.optional() })
  .describe("The state of the binding as the operator last observed it.");

/** The TeamRoleBinding kind: cluster-wide, administrator-owned coordination roles of a team. */
export const teamRoleBindingKind: KindDefinition<typeof TeamRoleBindingSpec, typeof TeamRoleBindingStatus> = {
  kind: "TeamRoleBinding",
  plural: "teamrolebindings",
  singular: "teamrolebinding",
  listKind: "TeamRoleBindingList",
  shortNames: ["trb", "trbs"],
  scope: "Cluster",
  description:
    "The coordination roles (ReleaseManager, QA, CAB...) of one team in the environments and namespaces it names, " +
    "written by administrators only: a task owned by a role is shared with the role's holders here as well as with " +
    "those its Environment binds (docs/roles.md).",
  spec: TeamRoleBindingSpec,
  status: TeamRoleBindingStatus,
  printerColumns: [
    { name: "Team", type: "string", jsonPath: ".spec.team", description: "The team it binds roles for." },
    {
      name: "Environments",
      type: "string",
      jsonPath: ".spec.environments",
      description: "The Environments it applies in (empty: all).",
    },
    {
      name: "Namespaces",
      type: "string",
      jsonPath: ".spec.namespaces",
      description: "The namespaces it applies in (empty: those labelled with the team).",
    },
    { name: "Roles", type: "string", jsonPath: ".spec.roles[*].role", description: "The roles it binds." },
    AGE_COLUMN,
  ],
};

/**
 * The specs of listed or cached TeamRoleBindings; one that does not parse (written before a schema change, or with
 * the webhooks' schema skipped) binds nobody.
 */
export function teamRoleBindingSpecs(objects: Iterable<object>): TeamRoleBindingSpec[] {
  const specs: TeamRoleBindingSpec[] = [];
  for (const object of objects) {
    const parsed = TeamRoleBindingSpec.safeParse((object as { spec?: unknown }).spec);
    if (parsed.success) specs.push(parsed.data);
  }
  return specs;
}
