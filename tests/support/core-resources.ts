// The core Kubernetes resource types the tests that run the chart's operator as pods read and write (the operator
// itself never touches them).
import type { ResourceType } from "../../src/runtime/kube/resource.js";

const core = (plural: string, kind: string): ResourceType => ({
  group: "",
  version: "v1",
  plural,
  kind,
  namespaced: true,
});

/**
 * Pods, Services, Secrets, ConfigMaps, claims and ServiceAccounts (v1), StatefulSets (apps/v1), RoleBindings,
 * ClusterRoles and ClusterRoleBindings.
 */
export const coreResources = {
  pod: core("pods", "Pod"),
  service: core("services", "Service"),
  secret: core("secrets", "Secret"),
  configMap: core("configmaps", "ConfigMap"),
  persistentVolumeClaim: core("persistentvolumeclaims", "PersistentVolumeClaim"),
  serviceAccount: core("serviceaccounts", "ServiceAccount"),
  statefulSet: {
    group: "apps",
    version: "v1",
    plural: "statefulsets",
    kind: "StatefulSet",
    namespaced: true,
  },
  roleBinding: {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    plural: "rolebindings",
    kind: "RoleBinding",
    namespaced: true,
  },
  clusterRole: {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    plural: "clusterroles",
    kind: "ClusterRole",
    namespaced: false,
  },
  clusterRoleBinding: {
    group: "rbac.authorization.k8s.io",
    version: "v1",
    plural: "clusterrolebindings",
    kind: "ClusterRoleBinding",
    namespaced: false,
  },
} as const satisfies Record<string, ResourceType>;
