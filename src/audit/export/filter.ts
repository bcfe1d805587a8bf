import type { StoredAuditEntry } from "../entry.js";

/** Which entries an export keeps; every field left out keeps all. */
export interface ExportFilter {
  /** Entries at or after this instant. */
  since?: Date | undefined;
  /** Entries before this instant. */
  until?: Date | undefined;
  /** Entries about objects in this namespace. */
  namespace?: string | undefined;
  /** Entries whose details name this environment. */
  environment?: string | undefined;
  /** Entries of these actions. */
  actions?: ReadonlySet<string> | undefined;
}

/** Whether an entry passes the filter. Pure. */
export function keeps(filter: ExportFilter, entry: StoredAuditEntry): boolean {
  const time = Date.parse(entry.time);
  if (filter.since !== undefined && time < filter.since.getTime()) return false;
  if (filter.until !== undefined && time >= filter.until.getTime()) return false;
  if (filter.namespace !== undefined && entry.object.namespace !== filter.namespace) return false;
  if (filter.environment !== undefined && environmentOf(entry) !== filter.environment) return false;
  if (filter.actions !== undefined && !filter.actions.has(entry.action)) return false;
  return true;
}

/** The environment an entry is about, where its details say (`environment`, as the controllers record it). */
export function environmentOf(entry: StoredAuditEntry): string | undefined {
  const value = (entry.details as Record<string, unknown>).environment;
  return typeof value === "string" ? value : undefined;
}
