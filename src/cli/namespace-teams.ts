import type { TeamRoleBindingSpec } from "../api/v1alpha1/team-role-binding.js";
import { NAMESPACE_TEAM_LABEL } from "../policy/task-ownership.js";
import { ApiError, isForbidden, isNotFound } from "../runtime/kube/api-error.js";
import type { KubeClient } from "../runtime/kube/client.js";
import { builtin } from "../runtime/kube/resource.js";

/**
 * The `stagegate.io/team` label of each namespace (ADR 0056), read with the caller's own rights, and only when a
 * TeamRoleBinding without namespaces could use it. A namespace the caller may not read (403, named in `refused`) or
 * that is gone has no known team: its label-applied bindings count for nothing to `stagegate tasks --mine` and the
 * dashboard, though the task webhook, which reads the Namespace itself, may still let the caller act.
 */
export async function namespaceTeams(
  client: KubeClient,
  teams: readonly TeamRoleBindingSpec[],
  namespaces: Iterable<string>,
): Promise<{ teams: Map<string, string | undefined>; refused: string[] }> {
  const found = new Map<string, string | undefined>();
  const refused: string[] = [];
  if (!teams.some((t) => t.namespaces === undefined)) return { teams: found, refused };
  for (const name of new Set(namespaces)) {
    try {
      found.set(name, (await client.get(builtin.namespace, name)).metadata.labels?.[NAMESPACE_TEAM_LABEL]);
    } catch (err) {
      if (!(err instanceof ApiError) || !(isForbidden(err) || isNotFound(err))) throw err;
      if (isForbidden(err)) refused.push(name);
      found.set(name, undefined);
    }
  }
  return { teams: found, refused };
}
