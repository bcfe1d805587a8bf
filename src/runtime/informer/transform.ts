import type { KubeObject } from "../kube/object.js";
import { shareStrings } from "./shared-strings.js";

/**
 * What an informer does to each object before caching it (client-go's `SetTransform`): it may only drop what no
 * reader of the cache reads, so the cache answers every question it answered before, with less memory.
 */
export type CacheTransform = (object: KubeObject) => KubeObject;

/** The annotation `kubectl apply` (client-side) keeps a copy of the whole applied object in. */
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

/** What {@link trimmedForCache} drops from cached objects, and what it keeps because something reads it. */
export interface CacheTrimming {
  /**
   * `metadata.managedFields` entries are dropped except those that own one of these annotations (a reader of
   * the cache asks who last wrote them and when, and must get the same answer as from the full object).
   */
  keepManagedFieldsOwning: readonly string[];
  /** Annotations dropped from the cached object (none of them is read from the cache). */
  dropAnnotations: readonly string[];
  /**
   * Fields dropped from the cached object, each a path of keys from its top (`["status", "resources"]`); the step
   * {@link EACH_ITEM} goes into every item of a list (`["spec", "checklist", EACH_ITEM, "description"]`). A path
   * through a value that is not an object (or not a list, for {@link EACH_ITEM}), or to a key the object lacks,
   * drops nothing.
   */
  dropFields?: readonly FieldPath[];
  /**
   * Whether the cached object's strings are made the one copy V8 keeps of each ({@link shareStrings}): the object
   * keeps every value, and the revisions, uids, names and times it repeats with its children cost their memory once.
   */
  shareStrings?: boolean;
}

/** A path of keys into an object, from its top. */
export type FieldPath = readonly [string, ...string[]];

/** The step of a {@link FieldPath} that goes into every item of a list. */
export const EACH_ITEM = "[]";

/**
 * A transform dropping `metadata.managedFields` (but the entries that own a kept annotation, whole and in order),
 * the given annotations and the given fields, and sharing the strings of what is left when asked to. The object it is
 * given keeps its value: a new object is returned, with new copies of the objects on the way to what it drops,
 * sharing everything else (whose strings may be swapped for equal ones, which no reader can tell apart). An object
 * with nothing to drop is returned as it is.
 */
export function trimmedForCache(trimming: CacheTrimming): CacheTransform {
  const trimMetadata = metadataTrim(trimming);
  const dropFields = trimming.dropFields ?? [];
  const share = trimming.shareStrings === true;
  return (object) => {
    let trimmed = trimMetadata(object);
    for (const path of dropFields) trimmed = withoutField(trimmed, path) as KubeObject;
    return share ? shareStrings(trimmed) : trimmed;
  };
}

/**
 * The managedFields and annotations part of {@link trimmedForCache}. It copies what it keeps into new objects rather
 * than deleting from a copy: the API server sends a custom resource's metadata with its keys in alphabetical order, so
 * managedFields is not the last key, and V8 turns an object that loses a key other than its last into a dictionary,
 * several hundred bytes larger (ADR 0058).
 */
function metadataTrim(trimming: CacheTrimming): CacheTransform {
  const owned = trimming.keepManagedFieldsOwning.map((annotation) => `f:${annotation}`);
  return (object) => {
    const { annotations } = object.metadata;
    const dropsAnnotation =
      annotations !== undefined && trimming.dropAnnotations.some((name) => name in annotations);
    if (object.metadata.managedFields === undefined && !dropsAnnotation) return object;
    const { managedFields, ...metadata } = object.metadata;
    if (managedFields !== undefined) {
      const kept = Array.isArray(managedFields) ? managedFields.filter((entry) => ownsAny(entry, owned)) : [];
      if (kept.length > 0) metadata.managedFields = kept;
    }
    if (dropsAnnotation) {
      metadata.annotations = Object.fromEntries(
        Object.entries(annotations ?? {}).filter(([name]) => !trimming.dropAnnotations.includes(name)),
      );
    }
    return { ...object, metadata };
  };
}

/**
 * `value` without the field at `path`: the same value when it has no such field, else a copy of each object and
 * list on the way (a list only where the path says {@link EACH_ITEM}).
 */
function withoutField(value: unknown, path: readonly string[]): unknown {
  const [key, ...rest] = path;
  if (key === EACH_ITEM) {
    if (!Array.isArray(value) || rest.length === 0) return value;
    const items = value as unknown[];
    const trimmed = items.map((item) => withoutField(item, rest));
    return trimmed.every((item, i) => item === items[i]) ? value : trimmed;
  }
  if (key === undefined || !isRecord(value) || !Object.hasOwn(value, key)) return value;
  if (rest.length === 0) {
    const { [key]: _dropped, ...kept } = value;
    return kept;
  }
  const inner = value[key];
  const trimmed = withoutField(inner, rest);
  return trimmed === inner ? value : { ...value, [key]: trimmed };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether a managedFields entry owns one of the `f:`-prefixed annotation keys. */
function ownsAny(entry: unknown, ownedKeys: readonly string[]): boolean {
  const annotations = field(field(field(entry, "fieldsV1"), "f:metadata"), "f:annotations");
  return annotations !== undefined && ownedKeys.some((key) => field(annotations, key) !== undefined);
}

function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}
