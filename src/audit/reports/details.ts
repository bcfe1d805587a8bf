import type { StoredAuditEntry } from "../entry.js";

/**
 * Typed reads of an entry's `details`. The record is evidence, not a contract: a field of another shape (an older or
 * newer writer, or a hostile string) reads as absent, so a report never throws on what a trail holds.
 */
export const detail = {
  /** A string field, or undefined. */
  text(entry: StoredAuditEntry, key: string): string | undefined {
    const value = entry.details[key];
    return typeof value === "string" ? value : undefined;
  },
  /** A number field, or undefined. */
  number(entry: StoredAuditEntry, key: string): number | undefined {
    const value = entry.details[key];
    return typeof value === "number" ? value : undefined;
  },
  /** A list of strings (other items dropped); empty when absent. */
  texts(entry: StoredAuditEntry, key: string): string[] {
    const value = entry.details[key];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  },
  /** A list of objects (other items dropped); empty when absent. */
  records(entry: StoredAuditEntry, key: string): Record<string, unknown>[] {
    const value = entry.details[key];
    return Array.isArray(value) ? value.flatMap((v: unknown) => (isRecord(v) ? [v] : [])) : [];
  },
  /** An object field, or undefined. */
  record(entry: StoredAuditEntry, key: string): Record<string, unknown> | undefined {
    const value = entry.details[key];
    return isRecord(value) ? value : undefined;
  },
};

/** Whether a JSON value is an object (not null, not a list). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string field of a plain object, or undefined. */
export function textOf(value: Record<string, unknown> | undefined, key: string): string | undefined {
  const field = value?.[key];
  return typeof field === "string" ? field : undefined;
}

/**
 * The release an entry names in its details, as `namespace/name`: the writers record either `ns/name` (receivers)
 * or a bare name in the namespace of the entry's object (controllers).
 */
export function releaseOf(entry: StoredAuditEntry): string | undefined {
  const named = detail.text(entry, "release");
  if (named === undefined || named === "") return undefined;
  if (named.includes("/")) return named;
  return entry.object.namespace === undefined ? undefined : `${entry.object.namespace}/${named}`;
}

/** `namespace/name` of an entry's object. */
export function objectKey(entry: StoredAuditEntry): string {
  return `${entry.object.namespace ?? ""}/${entry.object.name}`;
}

/** `namespace/name` of a ChangeRequest an entry names in `details.changeRequest`, else undefined. */
export function changeRequestOf(entry: StoredAuditEntry): string | undefined {
  if (entry.object.kind === "ChangeRequest") return objectKey(entry);
  const named = detail.text(entry, "changeRequest");
  return named === undefined ? undefined : `${entry.object.namespace ?? ""}/${named}`;
}
