import { redactDatabaseUrl, type AuditDatabaseConnection } from "../audit/postgres/connection.js";
import type { AuditEntry } from "../audit/entry.js";
import type { AuditRecorder } from "../audit/recorder.js";
import { AuditTrail } from "../audit/trail.js";
import type { EventRecorder } from "../runtime/events.js";
import type { Logger } from "../runtime/logging.js";
import { auditEventMirror } from "./audit-mirror.js";
import { ConfigError, type RunConfig } from "./config.js";

/** The audit store the operator writes to, whichever it is, and how to close it. */
export type AuditStore = AuditRecorder & { close(): Promise<void> };

/**
 * Opens the audit store the configuration names: the PostgreSQL record shared by every replica when
 * `--audit-database-url` is set, else this replica's file trail at `--audit-log`. Either mirrors each entry as an
 * Event (after telling `observe`) and counts failed writes; a store it cannot open is a configuration error naming
 * the flag.
 */
export async function openAuditStore(
  config: Pick<RunConfig, "auditLog" | "auditDatabaseUrl" | "auditDatabasePasswordFile">,
  events: EventRecorder,
  log: Logger,
  onWriteError: () => void,
  observe?: (entry: AuditEntry) => void,
): Promise<AuditStore> {
  const eventMirror = auditEventMirror(events);
  const mirror = {
    onWriteError,
    // `observe` hears of each durable entry first, in order (the audit checkpoints); the Event follows.
    mirror: async (entry: AuditEntry) => {
      observe?.(entry);
      await eventMirror(entry);
    },
    onMirrorError: (err: unknown, entry: { seq: number }) =>
      log.warn(
        { err: (err as Error).message, seq: entry.seq },
        "Failed to mirror an audit entry as an Event",
      ),
  };
  if (config.auditDatabaseUrl !== undefined) {
    const database = redactDatabaseUrl(config.auditDatabaseUrl);
    try {
      // Loaded only when configured: pg and the table's code stay out of a process that keeps a file trail.
      const { PostgresAuditRecorder } = await import("../audit/postgres/recorder.js");
      const store = await PostgresAuditRecorder.open({
        ...mirror,
        connection: auditDatabaseConnection(config),
        onConnectionError: (err) =>
          log.warn(
            { err: (err as Error).message, database },
            "Lost an idle connection to the audit database",
          ),
      });
      log.info({ store: "postgresql", database }, "Opened the audit store");
      return store;
    } catch (err) {
      throw new ConfigError(
        `cannot open the audit database ${database}: ${(err as Error).message} Check --audit-database-url and ` +
          `--audit-database-password-file.`,
      );
    }
  }
  try {
    const trail = await AuditTrail.open({ ...mirror, path: config.auditLog });
    log.info({ store: "file", path: trail.path }, "Opened the audit store");
    return trail;
  } catch (err) {
    throw new ConfigError(
      `cannot open the audit trail at ${config.auditLog}: ${(err as Error).message}. Set --audit-log to a ` +
        `writable file.`,
    );
  }
}

/** The operator's connection to the PostgreSQL audit store, from `--audit-database-url` and its password file. */
export function auditDatabaseConnection(
  config: Pick<RunConfig, "auditDatabaseUrl" | "auditDatabasePasswordFile">,
): AuditDatabaseConnection {
  return {
    url: config.auditDatabaseUrl ?? "",
    ...(config.auditDatabasePasswordFile === undefined
      ? {}
      : { passwordFile: config.auditDatabasePasswordFile }),
  };
}
