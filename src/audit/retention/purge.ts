import type { ClientBase } from "pg";
import { GENESIS_HASH } from "../canonical-hash.js";
import type { AuditEntry } from "../entry.js";
import { sealAuditEntry } from "../seal.js";
import { PURGE_FUNCTION } from "../postgres/retention-migration.js";
import { ENTRIES_TABLE } from "../postgres/schema.js";
import { expiryCutoff, type RetentionPolicy } from "./policy.js";

/** What a purge removed (or, in a dry run, would remove). */
export interface PurgeSummary {
  dryRun: boolean;
  entries: { removed: number; firstSeq?: number; lastSeq?: number; lastHash?: string; chain?: string };
  archive: { releases: number; changes: number; tasks: number };
  /** The legal holds in force, which the purge honoured. */
  holds: string[];
  cutoffs: Partial<Record<keyof RetentionPolicy, string>>;
  /** The `RecordsPurged` entry, when something was removed. */
  record?: AuditEntry;
}

interface PurgeRow {
  entries_removed: string;
  first_seq: string | null;
  last_seq: string | null;
  last_hash: string | null;
  chain: string | null;
  releases_removed: string;
  changes_removed: string;
  tasks_removed: string;
  holds: string[];
}

/**
 * Runs the purge in one transaction as the purge role: the purge function (under the chain's lock) removes what
 * has expired and is not under hold, entries only from the front of the chain, and the same transaction appends
 * `RecordsPurged` with the counts, the range and the hash of the last removed entry (the anchor the rest of the
 * chain now starts from). Either both happen or neither. A dry run removes and records nothing.
 */
export async function purgeExpired(
  client: ClientBase,
  policy: RetentionPolicy,
  now: Date,
  actor: string,
  dryRun: boolean,
): Promise<PurgeSummary> {
  const cutoffs = {
    auditEntries: expiryCutoff(policy.auditEntries, now),
    releases: expiryCutoff(policy.releases, now),
    changes: expiryCutoff(policy.changes, now),
    tasks: expiryCutoff(policy.tasks, now),
  };
  await client.query("BEGIN");
  try {
    await client.query("SELECT set_config('synchronous_commit', 'on', true)");
    const result = await client.query<PurgeRow>(`SELECT * FROM ${PURGE_FUNCTION}($1, $2, $3, $4, $5)`, [
      cutoffs.auditEntries ?? null,
      cutoffs.releases ?? null,
      cutoffs.changes ?? null,
      cutoffs.tasks ?? null,
      dryRun,
    ]);
    const row = result.rows[0];
    if (row === undefined) throw new Error("The purge function returned nothing.");
    const summary: PurgeSummary = {
      dryRun,
      entries: {
        removed: Number(row.entries_removed),
        ...(Number(row.entries_removed) > 0
          ? {
              firstSeq: Number(row.first_seq),
              lastSeq: Number(row.last_seq),
              lastHash: row.last_hash ?? "",
              chain: row.chain ?? "",
            }
          : {}),
      },
      archive: {
        releases: Number(row.releases_removed),
        changes: Number(row.changes_removed),
        tasks: Number(row.tasks_removed),
      },
      holds: row.holds,
      cutoffs: Object.fromEntries(
        Object.entries(cutoffs).flatMap(([k, v]) => (v === undefined ? [] : [[k, v.toISOString()]])),
      ),
    };
    const removedAny =
      summary.entries.removed + summary.archive.releases + summary.archive.changes + summary.archive.tasks >
      0;
    if (dryRun || !removedAny) {
      await client.query(dryRun ? "ROLLBACK" : "COMMIT");
      return summary;
    }
    const record = await appendRecordsPurged(client, summary, actor, now);
    await client.query("COMMIT");
    return { ...summary, record };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

/** Appends `RecordsPurged` after the head, inside the caller's transaction (the purge function holds the lock). */
async function appendRecordsPurged(
  client: ClientBase,
  summary: PurgeSummary,
  actor: string,
  now: Date,
): Promise<AuditEntry> {
  const head = await client.query<{ seq: string; hash: string }>(
    `SELECT seq, hash FROM ${ENTRIES_TABLE} ORDER BY seq DESC LIMIT 1`,
  );
  const last = head.rows[0];
  const entry = sealAuditEntry(
    {
      actor,
      action: "RecordsPurged",
      object: { kind: "AuditStore", name: "stagegate_audit" },
      details: {
        entries: summary.entries,
        archive: summary.archive,
        holds: summary.holds,
        cutoffs: summary.cutoffs,
      },
    },
    {
      seq: last === undefined ? 1 : Number(last.seq) + 1,
      prevHash: last === undefined ? GENESIS_HASH : last.hash,
      time: now,
    },
  );
  await client.query(
    `INSERT INTO ${ENTRIES_TABLE}
      (seq, time, actor, action, object_kind, object_namespace, object_name, prev_hash, hash, entry)
      VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, $8, $9)`,
    [
      entry.seq,
      entry.time,
      entry.actor,
      entry.action,
      entry.object.kind,
      entry.object.name,
      entry.prevHash,
      entry.hash,
      JSON.stringify(entry),
    ],
  );
  return entry;
}
