import pg from "pg";
import { readAuditLines } from "../audit-lines.js";
import { parseAuditLine, type StoredAuditEntry } from "../entry.js";
import { poolConfig, redactDatabaseUrl, type AuditDatabaseConnection } from "../postgres/connection.js";
import { ENTRIES_TABLE } from "../postgres/schema.js";
import { verifyAuditTable } from "../postgres/verify-table.js";
import type { AuditVerification } from "../verification.js";
import { verifyAuditFile } from "../verify.js";

/** One entry as an export reads it: where it came from, and whether the chain vouches for it. */
export interface ExportedEntry {
  /** The file path, or `postgresql://host/db` for the database. */
  source: string;
  /** False for an entry at or after the first bad line or row of its source: the chain no longer vouches for it. */
  verified: boolean;
  entry: StoredAuditEntry;
}

/** A trail to export from: its name, its verification, and its entries in order. */
export interface ExportSource {
  name: string;
  verification: AuditVerification;
  entries(): AsyncIterable<ExportedEntry>;
  close(): Promise<void>;
}

/** The position up to which a verification vouches (entries before its first bad line or row). */
function vouchedBefore(verification: AuditVerification): number {
  return verification.ok ? Number.POSITIVE_INFINITY : verification.firstBad.line;
}

/** A file trail: verified in a first pass, then read line by line (bounded memory). */
export async function fileSource(path: string): Promise<ExportSource> {
  const verification = await verifyAuditFile(path);
  const limit = vouchedBefore(verification);
  return {
    name: path,
    verification,
    async *entries() {
      for await (const line of readAuditLines(path)) {
        const parsed = parseAuditLine(line.text ?? "");
        if (!parsed.ok) continue;
        yield { source: path, verified: line.number < limit, entry: parsed.entry };
      }
    },
    close: async () => {},
  };
}

const PAGE_ROWS = 1000;

/** The PostgreSQL store: verified in a first pass, then read a page of rows at a time in seq order. */
export async function databaseSource(connection: AuditDatabaseConnection): Promise<ExportSource> {
  const client = new pg.Client(await poolConfig(connection, 1, "stagegate-audit-export"));
  await client.connect();
  const name = redactDatabaseUrl(connection.url);
  try {
    const verification = await verifyAuditTable(client);
    const limit = vouchedBefore(verification);
    return {
      name,
      verification,
      async *entries() {
        let row = 0;
        let after = "0";
        for (;;) {
          const page = await client.query<{ seq: string; entry: string }>(
            `SELECT seq, entry::text AS entry FROM ${ENTRIES_TABLE} WHERE seq > $1 ORDER BY seq LIMIT $2`,
            [after, PAGE_ROWS],
          );
          for (const stored of page.rows) {
            row += 1;
            const parsed = parseAuditLine(stored.entry);
            if (parsed.ok) yield { source: name, verified: row < limit, entry: parsed.entry };
          }
          const last = page.rows.at(-1);
          if (last === undefined || page.rows.length < PAGE_ROWS) return;
          after = last.seq;
        }
      },
      close: () => client.end(),
    };
  } catch (err) {
    await client.end();
    throw err;
  }
}
