import type { Owner } from "../api/v1alpha1/meta.js";
import { DIMENSION_LABELS } from "../api/v1alpha1/dimensions.js";
import type { RoleMembers, TeamRoles } from "../api/v1alpha1/roles.js";

/** A task owner as written: a user, a group, or a coordination role. */
export interface WrittenOwner {
  kind: string;
  name: string;
}

/** The owners a task was opened with and its hand-over history, as far as ownership reads them. */
export interface OwnedTask<O extends WrittenOwner = WrittenOwner> {
  owners: readonly O[];
  handovers?: readonly { to: O }[] | undefined;
}

/**
 * Who owns a task now: the owner its last hand-over names (admission lets only a current owner append one), or the
 * owners it was opened with when it was never handed over.
 */
export function currentOwners<O extends WrittenOwner>(task: OwnedTask<O>): readonly O[] {
  const last = task.handovers?.at(-1);
  return last === undefined ? task.owners : [last.to];
}

/** Who a user is, as the API server authenticated them. */
export interface Identity {
  username: string;
  groups: readonly string[];
}

/**
 * The users and groups behind a task's owners: users and groups as written, and each Role owner replaced by that
 * role's members in the task's Environment (`spec.roles`, written by whoever may edit Environments). A role nobody
 * holds there stands for nobody.
 */
export function expandOwners(owners: readonly WrittenOwner[], roles: readonly RoleMembers[]): Owner[] {
  const expanded: Owner[] = [];
  for (const owner of owners) {
    if (owner.kind === "Role") {
      expanded.push(...(roles.find((r) => r.role === owner.name)?.members ?? []));
    } else {
      expanded.push({ kind: owner.kind === "Group" ? "Group" : "User", name: owner.name });
    }
  }
  return expanded;
}

/**
 * How a user owns a task: `mine` (named as a user), `shared` (through a group or a role, with which), or undefined
 * when they do not.
 */
export function ownership(
  owners: readonly WrittenOwner[],
  roles: readonly RoleMembers[],
  user: Identity,
): { kind: "mine" } | { kind: "shared"; via: string[] } | undefined {
  const via: string[] = [];
  let mine = false;
  for (const owner of owners) {
    if (owner.kind === "Role") {
      const members = roles.find((r) => r.role === owner.name)?.members ?? [];
      if (members.some((m) => holds(m, user))) via.push(`role ${owner.name}`);
    } else if (owner.kind === "Group") {
      if (user.groups.includes(owner.name)) via.push(`group ${owner.name}`);
    } else if (owner.name === user.username) {
      mine = true;
    }
  }
  if (mine) return { kind: "mine" };
  return via.length === 0 ? undefined : { kind: "shared", via };
}

function holds(member: Owner, user: Identity): boolean {
  return member.kind === "Group" ? user.groups.includes(member.name) : member.name === user.username;
}

/** The role bindings of an Environment: environment-wide, and per team for the team's namespaces. */
export interface EnvironmentRoles {
  roles: readonly RoleMembers[];
  teamRoles?: readonly TeamRoles[] | undefined;
}

/** Where a task sits, as far as role bindings read it: its namespace and labels. */
export interface TaskPlace {
  namespace: string | undefined;
  labels?: Readonly<Record<string, string>> | undefined;
}

/**
 * Who holds each role for one task: the binding of its team for the roles that binding binds, and the
 * environment-wide binding for every other role. The team binding is the one the task's `stagegate.io/team` label
 * names if it lists the task's namespace, else the only one that lists the namespace, else none. The label only
 * chooses among bindings an administrator gave the task's namespace: relabelling work to another team makes that
 * team's members owners of nothing.
 */
export function rolesFor(environment: EnvironmentRoles | undefined, place: TaskPlace): RoleMembers[] {
  if (environment === undefined) return [];
  const { namespace } = place;
  const candidates =
    namespace === undefined
      ? []
      : (environment.teamRoles ?? []).filter((t) => t.namespaces.includes(namespace));
  const team = place.labels?.[DIMENSION_LABELS.team];
  const binding =
    candidates.find((t) => t.team === team) ?? (candidates.length === 1 ? candidates[0] : undefined);
  if (binding === undefined) return [...environment.roles];
  const bound = new Set(binding.roles.map((r) => r.role));
  return [...binding.roles, ...environment.roles.filter((r) => !bound.has(r.role))];
}
