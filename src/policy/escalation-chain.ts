import type { WrittenOwner } from "./task-ownership.js";

/**
 * The escalation chain (and so the SLA) of a task: the first chain that matches its type and names one of the roles
 * it was opened with (Role owners in `spec.owners`); else the first chain that matches its type and names no roles;
 * else none. A chain's empty `types` matches every type. Roles come from the owners the task was opened with, not
 * from hand-overs: handing work to a role with a laxer SLA cannot postpone its escalation (ADR 0049).
 */
export function chainFor<C extends { types: readonly string[]; roles: readonly string[] }>(
  chains: readonly C[],
  type: string,
  openedWith: readonly WrittenOwner[],
): C | undefined {
  const roles = new Set(openedWith.filter((o) => o.kind === "Role").map((o) => o.name));
  const typed = chains.filter((c) => c.types.length === 0 || c.types.includes(type));
  return (
    typed.find((c) => c.roles.some((role) => roles.has(role))) ?? typed.find((c) => c.roles.length === 0)
  );
}
