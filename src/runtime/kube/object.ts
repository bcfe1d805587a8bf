import { z } from "zod";
import { ObjectMeta } from "../../api/v1alpha1/meta.js";

/** Any Kubernetes object as it comes off the wire: typed metadata, everything else kept as-is. */
export const KubeObject = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().optional(),
  metadata: ObjectMeta,
});
export type KubeObject = z.infer<typeof KubeObject>;

/** A list response: its items and the resourceVersion to watch from. */
export const KubeList = z.looseObject({
  metadata: z.looseObject({ resourceVersion: z.string().optional(), continue: z.string().optional() }),
  items: z.array(z.unknown()),
});

/** One event of a watch stream. */
export const WatchEvent = z.object({
  type: z.enum(["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]),
  object: z.looseObject({}),
});
export type WatchEvent = z.infer<typeof WatchEvent>;

/** The cache key of an object: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(obj: { metadata: { name: string; namespace?: string | undefined } }): string {
  const ns = obj.metadata.namespace;
  return ns === undefined || ns === "" ? obj.metadata.name : `${ns}/${obj.metadata.name}`;
}

/** Splits a cache key back into namespace and name. */
export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
