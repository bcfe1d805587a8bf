import type { KubeClient } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { ResourceType } from "../../runtime/kube/resource.js";

const rbac = "rbac.authorization.k8s.io";

/** The built-in resources `stagegate check` reads (it writes nothing but dry runs and one opt-in probe). */
export const coreResources = {
  secret: { group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true },
  pod: { group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true },
  serviceAccount: {
    group: "",
    version: "v1",
    plural: "serviceaccounts",
    kind: "ServiceAccount",
    namespaced: true,
  },
  customResourceDefinition: {
    group: "apiextensions.k8s.io",
    version: "v1",
    plural: "customresourcedefinitions",
    kind: "CustomResourceDefinition",
    namespaced: false,
  },
  clusterRole: { group: rbac, version: "v1", plural: "clusterroles", kind: "ClusterRole", namespaced: false },
  role: { group: rbac, version: "v1", plural: "roles", kind: "Role", namespaced: true },
  clusterRoleBinding: {
    group: rbac,
    version: "v1",
    plural: "clusterrolebindings",
    kind: "ClusterRoleBinding",
    namespaced: false,
  },
  roleBinding: { group: rbac, version: "v1", plural: "rolebindings", kind: "RoleBinding", namespaced: true },
  selfSubjectRulesReview: {
    group: "authorization.k8s.io",
    version: "v1",
    plural: "selfsubjectrulesreviews",
    kind: "SelfSubjectRulesReview",
    namespaced: false,
  },
} as const satisfies Record<string, ResourceType>;

/** Every object of a resource (all pages), in one namespace or all; raw, so one odd object cannot stop a check. */
export async function listEvery(
  client: KubeClient,
  rt: ResourceType,
  options: { namespace?: string; labelSelector?: string } = {},
): Promise<KubeObject[]> {
  const items: KubeObject[] = [];
  let token: string | undefined;
  do {
    const page = await client.list(rt, { ...options, limit: 500, continue: token });
    items.push(...page.items);
    token = page.continue;
  } while (token !== undefined);
  return items;
}
