// RBAC for the class 7 attempts: the least each identity needs, granted in the test's namespace only.
import { readFile } from "node:fs/promises";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { ResourceType } from "../../src/runtime/kube/resource.js";

const role: ResourceType = {
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural: "roles",
  kind: "Role",
  namespaced: true,
};
const roleBinding: ResourceType = { ...role, plural: "rolebindings", kind: "RoleBinding" };

/** One RBAC rule. */
export interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/**
 * Binds `users` in `namespace` to the ClusterRole `name` (a shipped user role), or, given `rule`, to a Role of that
 * name holding only that rule.
 */
export async function grantRole(
  admin: KubeClient,
  namespace: string,
  name: string,
  users: string[],
  rule?: Rule,
): Promise<void> {
  const rbac = "rbac.authorization.k8s.io";
  if (rule !== undefined) {
    await admin.create(
      role,
      { apiVersion: `${rbac}/v1`, kind: "Role", metadata: { name, namespace }, rules: [rule] },
      namespace,
    );
  }
  await admin.create(
    roleBinding,
    {
      apiVersion: `${rbac}/v1`,
      kind: "RoleBinding",
      metadata: { name, namespace },
      roleRef: { apiGroup: rbac, kind: rule === undefined ? "ClusterRole" : "Role", name },
      subjects: users.map((user) => ({ apiGroup: rbac, kind: "User", name: user })),
    },
    namespace,
  );
}

/** What mallory may do in the attempts on delivery objects: edit Argo CD Applications in `namespace`, nothing more. */
export function grantApplicationEditor(admin: KubeClient, namespace: string): Promise<void> {
  return grantRole(admin, namespace, "argocd-application-editor", ["mallory"], {
    apiGroups: ["argoproj.io"],
    resources: ["applications"],
    verbs: ["get", "list", "watch", "patch", "update"],
  });
}

/** One entry of an operator's audit file, as the attempts read it. */
export interface TrailEntry {
  action: string;
  object: { name: string };
  details: Record<string, unknown>;
}

/** The entries of the audit file `file` with `action` about the object named `name`, in order. */
export async function trailEntries(file: string, action: string, name: string): Promise<TrailEntry[]> {
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as TrailEntry)
    .filter((e) => e.action === action && e.object.name === name);
}
