import type { Owner } from "../api/v1alpha1/meta.js";
import { DIMENSION_LABELS } from "../api/v1alpha1/dimensions.js";
import type { RoleMembers, TeamRoles } from "../api/v1alpha1/roles.js";
import type { TeamRoleBindingSpec } from "../api/v1alpha1/team-role-binding.js";

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
 * role's members as {@link rolesFor} binds them (the task's Environment and the team's TeamRoleBindings, written by
 * administrators only). A role nobody holds there stands for nobody.
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

/** The namespace label that says whose a namespace is: the same key as the team dimension, on the Namespace. */
export const NAMESPACE_TEAM_LABEL = DIMENSION_LABELS.team;

/**
 * Where a task sits, as far as role bindings read it: its Environment's name, its namespace, its labels, and the
 * `stagegate.io/team` label of its namespace (written by those who administer namespaces, never by a developer).
 */
export interface TaskPlace {
  environment?: string | undefined;
  namespace: string | undefined;
  labels?: Readonly<Record<string, string>> | undefined;
  namespaceTeam?: string | undefined;
}

/**
 * The team of a task among the bindings that name its namespace (an Environment's `teamRoles` entry or a
 * TeamRoleBinding with `namespaces`): the one its `stagegate.io/team` label names, else the only such team, else none.
 * A developer's label therefore only chooses among teams an administrator already gave the namespace (ADR 0049).
 */
export function teamOf(
  place: TaskPlace,
  environment: EnvironmentRoles | undefined,
  bindings: readonly TeamRoleBindingSpec[],
): string | undefined {
  const { namespace } = place;
  if (namespace === undefined) return undefined;
  const listing = new Set([
    ...(environment?.teamRoles ?? []).filter((t) => t.namespaces.includes(namespace)).map((t) => t.team),
    ...bindings.filter((b) => b.namespaces?.includes(namespace) === true).map((b) => b.team),
  ]);
  const label = place.labels?.[DIMENSION_LABELS.team];
  if (label !== undefined && listing.has(label)) return label;
  return listing.size === 1 ? [...listing][0] : undefined;
}

/**
 * The TeamRoleBindings that apply to a task, for its Environment (or all): those naming its namespace, for its team
 * ({@link teamOf}); and those naming no namespace, for the team its Namespace's `stagegate.io/team` label names
 * (administrators write Namespaces; a task's own label never stands in).
 */
export function bindingsFor(
  bindings: readonly TeamRoleBindingSpec[],
  team: string | undefined,
  place: TaskPlace,
): TeamRoleBindingSpec[] {
  const { environment, namespace, namespaceTeam } = place;
  if (environment === undefined || namespace === undefined) return [];
  return bindings.filter(
    (b) =>
      (b.environments === undefined || b.environments.includes(environment)) &&
      (b.namespaces === undefined
        ? namespaceTeam !== undefined && namespaceTeam !== "" && b.team === namespaceTeam
        : b.team === team && b.namespaces.includes(namespace)),
  );
}

/**
 * Who holds each role for one task. From its Environment: the binding of its team ({@link teamOf}) for the roles that
 * binding binds, and the environment-wide binding for every other role. Then, per role, the holders (and addresses)
 * of every TeamRoleBinding that applies ({@link bindingsFor}) are added: a TeamRoleBinding adds holders, never
 * removes one (ADR 0056). Relabelling work to another team makes that team's members owners of nothing.
 */
export function rolesFor(
  environment: EnvironmentRoles | undefined,
  place: TaskPlace,
  teamBindings: readonly TeamRoleBindingSpec[] = [],
): RoleMembers[] {
  const team = teamOf(place, environment, teamBindings);
  const fromTeams = bindingsFor(teamBindings, team, place);
  if (environment === undefined && fromTeams.length === 0) return [];
  const { namespace } = place;
  const binding =
    team === undefined || namespace === undefined
      ? undefined
      : environment?.teamRoles?.find((t) => t.team === team && t.namespaces.includes(namespace));
  const bound = new Set(binding?.roles.map((r) => r.role) ?? []);
  const own = [...(binding?.roles ?? []), ...(environment?.roles ?? []).filter((r) => !bound.has(r.role))];
  return unionByRole([...own, ...fromTeams.flatMap((b) => b.roles)]);
}

/** Role bindings merged per role, in first-seen order: each member and each address once. */
function unionByRole(all: readonly RoleMembers[]): RoleMembers[] {
  const merged = new Map<string, RoleMembers>();
  for (const r of all) {
    const seen = merged.get(r.role);
    if (seen === undefined) {
      merged.set(r.role, { ...r, members: [...r.members], ...(r.emails ? { emails: [...r.emails] } : {}) });
      continue;
    }
    for (const m of r.members) {
      if (!seen.members.some((s) => s.kind === m.kind && s.name === m.name)) seen.members.push(m);
    }
    for (const e of r.emails ?? []) {
      seen.emails ??= [];
      if (!seen.emails.includes(e)) seen.emails.push(e);
    }
  }
  return [...merged.values()];
}
