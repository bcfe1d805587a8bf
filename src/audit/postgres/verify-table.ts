import pg from "pg";
import { AuditChainChecker } from "../chain-checker.js";
import { MAX_AUDIT_LINE_BYTES } from "../entry.js";
import { readPurgeAnchor } from "../retention/purge-anchor.js";
import type { AuditVerification } from "../verification.js";
import { poolConfig, type AuditDatabaseConnection } from "./connection.js";
import { ENTRIES_TABLE } from "./schema.js";

/** Rows read per query: bounded memory whatever the table holds. */
const PAGE_ROWS = 1000;

interface StoredRow {
  seq: string;
  hash: string;
  entry: string;
}

/**
 * Checks the database's hash chain with the same checker as a file, one page of rows at a time in `seq` order,
 * and names the first row that is malformed, edited, removed or reordered (a row's position in `seq` order is its
 * "row" number). A row whose `seq` or `hash` column disagrees with its entry counts as edited. A table whose first
 * entries a `RecordsPurged` entry in it says were purged starts from that purge's anchor; any other missing front is
 * reported as removed. Rejects only when
 * the database cannot be read.
 */
export async function verifyAuditTable(client: pg.ClientBase): Promise<AuditVerification> {
  // A chain whose front a recorded purge removed starts after the purge's last entry (ADR 0030).
  const checker = new AuditChainChecker("row", await readPurgeAnchor(client));
  let row = 0;
  let after: string | undefined;
  for (;;) {
    const page = await client.query<StoredRow>(
      `SELECT seq, hash, entry::text AS entry FROM ${ENTRIES_TABLE}
        ${after === undefined ? "" : "WHERE seq > $2"} ORDER BY seq LIMIT $1`,
      after === undefined ? [PAGE_ROWS] : [PAGE_ROWS, after],
    );
    for (const stored of page.rows) {
      row += 1;
      if (!columnsAgree(stored)) return columnsEdited(checker.finish(), row, stored.seq);
      const tooLong = Buffer.byteLength(stored.entry, "utf8") > MAX_AUDIT_LINE_BYTES;
      const line = { number: row, text: stored.entry, complete: true, tooLong, end: 0 };
      if (checker.check(line)) return checker.finish();
    }
    const last = page.rows.at(-1);
    if (last === undefined || page.rows.length < PAGE_ROWS) return checker.finish();
    after = last.seq;
  }
}

/** Connects with `connection`, verifies the table and disconnects. */
export async function verifyAuditDatabase(connection: AuditDatabaseConnection): Promise<AuditVerification> {
  const client = new pg.Client(await poolConfig(connection, 1, "stagegate-audit-verify"));
  await client.connect();
  try {
    return await verifyAuditTable(client);
  } finally {
    await client.end();
  }
}

/** The verdict at a row whose columns were edited, unless an earlier row already broke the chain. */
function columnsEdited(before: AuditVerification, row: number, seq: string): AuditVerification {
  if (!before.ok) return before;
  const message =
    "its seq or hash column does not match its entry, so the row was edited after it was written";
  return {
    ok: false,
    entries: before.entries,
    firstBad: { line: row, seq: Number(seq), problem: "edited", message },
  };
}

/** True when the indexed columns say what the entry says, so a query by column finds what the chain seals. */
function columnsAgree(stored: StoredRow): boolean {
  try {
    const entry = JSON.parse(stored.entry) as { seq?: unknown; hash?: unknown };
    return String(entry.seq) === stored.seq && entry.hash === stored.hash;
  } catch {
    return true; // the checker reports the entry itself as malformed
  }
}
