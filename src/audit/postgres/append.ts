import type { ClientBase } from "pg";
import { GENESIS_HASH, hashAuditEntry } from "../canonical-hash.js";
import type { AuditEntry } from "../entry.js";
import { AuditTrailError } from "../errors.js";
import type { BatchOutcome } from "../group-commit.js";
import type { AuditEvent } from "../recorder.js";
import { sealAuditEntry } from "../seal.js";
import { ENTRIES_TABLE } from "./schema.js";

/**
 * The advisory lock every appender takes for the length of its transaction: one chain per database, so one key.
 * It serialises appenders across processes without granting the operator UPDATE on anything. The same statement
 * turns `synchronous_commit` back on for this transaction where a server or role has it off: otherwise a commit
 * could be acknowledged (and a request admitted) and then lost in a database crash.
 */
const CHAIN_LOCK_SQL =
  "SELECT pg_advisory_xact_lock(hashtext('stagegate_audit.entries')), " +
  "CASE WHEN current_setting('synchronous_commit') = 'off' " +
  "THEN set_config('synchronous_commit', 'on', true) END";

/** One sealed entry as its row. */
async function insertEntry(client: ClientBase, entry: AuditEntry): Promise<void> {
  await client.query(
    `INSERT INTO ${ENTRIES_TABLE}
      (seq, time, actor, action, object_kind, object_namespace, object_name, prev_hash, hash, entry, transition)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      entry.seq,
      entry.time,
      columnText(entry.actor),
      entry.action,
      columnText(entry.object.kind),
      entry.object.namespace === undefined ? null : columnText(entry.object.namespace),
      columnText(entry.object.name),
      entry.prevHash,
      entry.hash,
      JSON.stringify(entry),
      entry.transition ?? null,
    ],
  );
}

/** What one batch wrote, and what it says of each of its events, in order. */
export interface AppendedBatch {
  outcomes: BatchOutcome[];
  /** The entries committed, in seq order. */
  entries: AuditEntry[];
  /** The transitions the table holds once the batch committed (written by it, or found held under the lock). */
  held: string[];
}

/**
 * Appends events in one transaction: takes the chain lock, reads the last entry (and refuses to continue one whose
 * stored hash no longer matches its content), then seals each event after the one before it, in order, and inserts
 * it. Two replicas appending at once are serialised by the lock; if something bypassed it, the primary key on
 * `seq`, the unique `prev_hash` and the link trigger would still refuse a fork. Several events share the lock and
 * the commit (group commit, ADR 0035). An event whose transition the table already holds, or that the batch
 * already wrote, adds nothing (ADR 0031); an event that cannot be an entry is refused alone. Any database failure
 * rolls the whole batch back and is thrown: no event of it was recorded.
 */
export async function appendAuditEntries(
  client: ClientBase,
  events: readonly AuditEvent[],
  clock: () => Date,
): Promise<AppendedBatch> {
  const outcomes: BatchOutcome[] = [];
  const entries: AuditEntry[] = [];
  const held = new Set<string>();
  await client.query("BEGIN");
  try {
    await client.query(CHAIN_LOCK_SQL);
    const last = await client.query<{ seq: string; hash: string; entry: string }>(
      `SELECT seq, hash, entry::text AS entry FROM ${ENTRIES_TABLE} ORDER BY seq DESC LIMIT 1`,
    );
    const head = last.rows[0];
    if (head !== undefined) checkHead(head);
    let position = { seq: head === undefined ? 0 : Number(head.seq), hash: head?.hash ?? GENESIS_HASH };
    for (const event of events) {
      const { transition } = event;
      if (transition !== undefined && (held.has(transition) || (await holdsTransition(client, transition)))) {
        held.add(transition);
        outcomes.push(undefined);
        continue;
      }
      let entry: AuditEntry;
      try {
        entry = sealAuditEntry(event, { seq: position.seq + 1, prevHash: position.hash, time: clock() });
      } catch (err) {
        outcomes.push({ error: err });
        continue;
      }
      await insertEntry(client, entry);
      entries.push(entry);
      position = { seq: entry.seq, hash: entry.hash };
      if (transition !== undefined) held.add(transition);
      outcomes.push(undefined);
    }
    await client.query("COMMIT");
    return { outcomes, entries, held: [...held] };
  } catch (err) {
    await rollback(client);
    throw err;
  }
}

/** Whether the table holds an entry of this transition (read under the chain lock, so no append races it). */
export async function holdsTransition(client: ClientBase, transition: string): Promise<boolean> {
  const found = await client.query(`SELECT 1 FROM ${ENTRIES_TABLE} WHERE transition = $1`, [transition]);
  return found.rows.length > 0;
}

/**
 * A value for a query column: PostgreSQL text cannot hold U+0000, which outside input (a name in a denied request)
 * may carry, so it becomes U+FFFD there. The `entry` column keeps the value exactly (JSON escapes it), and it is
 * the entry that the hash seals.
 */
function columnText(value: string): string {
  return value.replaceAll("\u0000", "\uFFFD");
}

/** Refuses to append after a last entry that was changed since it was written: that would bury the damage. */
function checkHead(head: { seq: string; hash: string; entry: string }): void {
  let sound: boolean;
  try {
    const stored = JSON.parse(head.entry) as Record<string, unknown>;
    sound =
      hashAuditEntry(stored) === head.hash && stored.hash === head.hash && stored.seq === Number(head.seq);
  } catch {
    sound = false;
  }
  if (!sound) {
    throw new AuditTrailError(
      `The last audit entry in the database (seq ${head.seq}) does not match its hash, so it was changed after it ` +
        `was written; Stagegate will not append to a broken chain. Run \`stagegate audit verify --database-url\` ` +
        `and restore the table from a backup or an export.`,
    );
  }
}

/** Rolls back after a failure, so the connection can be reused; the caller reports the first error. */
async function rollback(client: ClientBase): Promise<void> {
  try {
    await client.query("ROLLBACK");
  } catch {
    // The connection died, and the server discarded its transaction with it; the caller destroys the client.
  }
}
