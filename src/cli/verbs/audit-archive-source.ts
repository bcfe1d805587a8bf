import pg from "pg";
import { FileArchiveStore } from "../../audit/archive/file-store.js";
import { PostgresArchiveStore } from "../../audit/archive/postgres-store.js";
import type { ArchiveStore } from "../../audit/archive/store.js";
import { poolConfig, type AuditDatabaseConnection } from "../../audit/postgres/connection.js";
import { verifyAuditTable } from "../../audit/postgres/verify-table.js";
import { formatVerification, type AuditVerification } from "../../audit/verification.js";
import { verifyAuditFile } from "../../audit/verify.js";
import { UsageError } from "../errors.js";
import { DATABASE_FLAGS, databaseConnectionFrom } from "./audit-database-flags.js";

/** The flags that say where the archive is: the PostgreSQL store, or a file trail (its archive lies beside it). */
export const ARCHIVE_SOURCE_FLAGS = {
  ...DATABASE_FLAGS,
  trail: {
    type: "string",
    value: "FILE",
    help: "a replica's audit file (--audit-log): its archive is FILE.archive/ beside it",
  },
} as const;

/** Where the archive verbs read from. */
export type ArchiveSource = { database: AuditDatabaseConnection } | { trail: string };

/** The source the flags name; exactly one of --database-url and --trail. */
export function archiveSourceFrom(
  values: Readonly<Record<string, string | boolean | undefined>>,
): ArchiveSource {
  const database = databaseConnectionFrom(values);
  const trail = values.trail;
  if (database !== undefined && typeof trail === "string") {
    throw new UsageError("give either --database-url or --trail, not both.");
  }
  if (database !== undefined) return { database };
  if (typeof trail !== "string" || trail === "") {
    throw new UsageError(
      "name the archive with --database-url URL (the PostgreSQL audit store) or --trail FILE (a replica's audit file).",
    );
  }
  return { trail };
}

/** The opened archive and the verdict on the chain that vouches for it (checked once per command). */
export interface OpenedArchive {
  store: ArchiveStore;
  chain: AuditVerification;
  chainName: string;
  unit: "line" | "row";
}

/** Opens the archive read-only and verifies its chain; the caller closes the store. */
export async function openArchiveSource(source: ArchiveSource): Promise<OpenedArchive> {
  if ("trail" in source) {
    const chain = await verifyAuditFile(source.trail);
    return { store: new FileArchiveStore(source.trail), chain, chainName: source.trail, unit: "line" };
  }
  const client = new pg.Client(await poolConfig(source.database, 1, "stagegate-archive-verify"));
  await client.connect();
  let chain: AuditVerification;
  try {
    chain = await verifyAuditTable(client);
  } finally {
    await client.end();
  }
  const store = await PostgresArchiveStore.open(source.database);
  return { store, chain, chainName: "stagegate_audit.entries", unit: "row" };
}

/** The chain's verdict as the sentence `audit verify` prints. */
export function describeChain(opened: OpenedArchive): string {
  return formatVerification(opened.chain, opened.chainName, opened.unit);
}
