// The shipped user roles granted to a team in its own namespace, as docs/rbac.md tells a platform team to: a
// RoleBinding per role, never a ClusterRoleBinding. Every test namespace is such a team namespace for the local
// identities' groups (see hack/manifests/local-user-rbac.yaml for `default`).
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { coreResources } from "./core-resources.js";

const roleBinding = coreResources.roleBinding;

/** Which groups get which shipped role in a team namespace. */
export interface TeamGroups {
  approvers: readonly string[];
  releaseManagers: readonly string[];
}

/** The local identities' groups, as every test namespace binds them unless told otherwise. */
export const LOCAL_TEAM: TeamGroups = {
  approvers: ["approvers", "cab", "emergency-approvers"],
  releaseManagers: ["developers", "release-managers"],
};

/** Binds stagegate-approver and stagegate-release-manager to `team`'s groups in `namespace` (RoleBindings). */
export async function bindTeamRoles(
  admin: KubeClient,
  namespace: string,
  team: TeamGroups = LOCAL_TEAM,
): Promise<void> {
  const bindings: [string, string, readonly string[]][] = [
    ["stagegate-approvers", "stagegate-approver", team.approvers],
    ["stagegate-release-managers", "stagegate-release-manager", team.releaseManagers],
  ];
  for (const [name, role, groups] of bindings) {
    if (groups.length === 0) continue;
    await admin.create(
      roleBinding,
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name, namespace },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
        subjects: groups.map((group) => ({
          kind: "Group",
          name: group,
          apiGroup: "rbac.authorization.k8s.io",
        })),
      },
      namespace,
    );
  }
}
