import type { KubeObject } from "../../../src/runtime/kube/object.js";

/** The leaf field paths (`spec.source.targetRevision`) a field manager owns on an object, by operation. */
export function ownedFields(obj: KubeObject, manager: string, operation = "Apply"): string[] {
  const entries = (obj.metadata.managedFields ?? []) as {
    manager?: string;
    operation?: string;
    fieldsV1?: object;
  }[];
  const leaves: string[] = [];
  const walk = (node: object, path: string[]) => {
    const keys = Object.keys(node).filter((k) => k !== ".");
    if (keys.length === 0) leaves.push(path.join("."));
    for (const key of keys)
      walk((node as Record<string, object>)[key] ?? {}, [...path, key.replace(/^f:/, "")]);
  };
  for (const entry of entries) {
    if (entry.manager === manager && entry.operation === operation && entry.fieldsV1)
      walk(entry.fieldsV1, []);
  }
  return leaves.sort();
}

/** The managers that own a leaf field path. */
export function ownersOf(obj: KubeObject, path: string): string[] {
  const entries = (obj.metadata.managedFields ?? []) as {
    manager?: string;
    operation?: string;
    fieldsV1?: object;
  }[];
  return entries
    .filter((e) => {
      let node: unknown = e.fieldsV1;
      for (const part of path.split(".")) {
        node = (node as Record<string, unknown> | undefined)?.[`f:${part}`];
      }
      return node !== undefined;
    })
    .map((e) => e.manager ?? "");
}
