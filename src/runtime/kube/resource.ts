/** Identifies one API resource (a kind as served under a group/version/plural) for building request paths. */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

/** The `apiVersion` string of a resource type. */
export function apiVersionOf(rt: ResourceType): string {
  return rt.group === "" ? rt.version : `${rt.group}/${rt.version}`;
}

/** The collection path of a resource, in one namespace or across all of them. */
export function collectionPath(rt: ResourceType, namespace?: string): string {
  const base = rt.group === "" ? `/api/${rt.version}` : `/apis/${rt.group}/${rt.version}`;
  if (rt.namespaced && namespace !== undefined && namespace !== "") {
    return `${base}/namespaces/${encodeURIComponent(namespace)}/${rt.plural}`;
  }
  return `${base}/${rt.plural}`;
}

/** The path of one object, optionally of one of its subresources (status). */
export function objectPath(rt: ResourceType, name: string, namespace?: string, subresource?: string): string {
  if (rt.namespaced && (namespace === undefined || namespace === "")) {
    throw new Error(`${rt.kind} ${name} is namespaced: a namespace is required`);
  }
  const path = `${collectionPath(rt, namespace)}/${encodeURIComponent(name)}`;
  return subresource === undefined ? path : `${path}/${subresource}`;
}

/** Built-in resources the runtime itself uses. */
export const builtin = {
  lease: { group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true },
  event: { group: "events.k8s.io", version: "v1", plural: "events", kind: "Event", namespaced: true },
  namespace: { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false },
  secret: { group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true },
  configMap: { group: "", version: "v1", plural: "configmaps", kind: "ConfigMap", namespaced: true },
} as const satisfies Record<string, ResourceType>;
