import { FileArchiveStore } from "../audit/archive/file-store.js";
import type { ArchiveStore } from "../audit/archive/store.js";
import { auditDatabaseConnection } from "./audit-store.js";
import type { RunConfig } from "./config.js";

/**
 * The archive beside the audit store the configuration names (ADR 0029): the `stagegate_audit.archive` table of
 * the PostgreSQL store, or content-addressed files in `<--audit-log>.archive/` beside this replica's trail.
 */
export async function openArchiveStore(
  config: Pick<RunConfig, "auditLog" | "auditDatabaseUrl" | "auditDatabasePasswordFile">,
): Promise<ArchiveStore> {
  if (config.auditDatabaseUrl !== undefined) {
    const { PostgresArchiveStore } = await import("../audit/archive/postgres-store.js");
    return PostgresArchiveStore.open(auditDatabaseConnection(config));
  }
  return new FileArchiveStore(config.auditLog);
}
