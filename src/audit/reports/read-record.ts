import type { KeyObject } from "node:crypto";
import pg from "pg";
import type { CheckpointVerification } from "../checkpoints/check.js";
import type { ReadCheckpoint } from "../checkpoints/checkpoint-object.js";
import {
  verifyFileAgainstCheckpoints,
  verifyTableAgainstCheckpoints,
} from "../checkpoints/verify-against.js";
import type { StoredAuditEntry } from "../entry.js";
import { mergeByTime } from "../export/merge.js";
import { databaseSource, fileSource, type ExportSource, type ExportedEntry } from "../export/sources.js";
import { poolConfig, type AuditDatabaseConnection } from "../postgres/connection.js";
import { ENTRIES_TABLE } from "../postgres/schema.js";
import type { TrailVerification } from "./chain-proof.js";

/** The signed checkpoints to check the trails against, and the writer of each file (by position). */
export interface CheckpointInput {
  found: readonly ReadCheckpoint[];
  keys: ReadonlyMap<string, KeyObject>;
  writers: readonly (string | undefined)[];
}

/** The trails a report reads, and which of their entries it keeps in memory. */
export interface RecordQuery {
  files: readonly string[];
  database: AuditDatabaseConnection | undefined;
  keep: (entry: StoredAuditEntry) => boolean;
  checkpoints: CheckpointInput | undefined;
}

/** What a report reads: the kept entries, merged by time, and each trail's verification. */
export interface ReadRecord {
  items: ExportedEntry[];
  trails: TrailVerification[];
}

/** Checks the database's table against its checkpoints on a connection of its own (reads only). */
async function checkTable(
  connection: AuditDatabaseConnection,
  input: CheckpointInput,
): Promise<CheckpointVerification> {
  const client = new pg.Client(await poolConfig(connection, 1, "stagegate-audit-report"));
  await client.connect();
  try {
    return await verifyTableAgainstCheckpoints(client, input.found, input.keys);
  } finally {
    await client.end();
  }
}

/**
 * Reads the trails a report is built from with the read paths of `stagegate audit export` (each trail verified,
 * then read in order and merged by time) and, when given, checks each against its signed checkpoints. It only reads:
 * files are opened read-only and the database is only queried with SELECT.
 */
export async function readRecord(query: RecordQuery): Promise<ReadRecord> {
  const sources: {
    source: ExportSource;
    unit: "line" | "row";
    checkpoints: (input: CheckpointInput) => Promise<CheckpointVerification>;
  }[] = [];
  try {
    for (const [i, file] of query.files.entries()) {
      sources.push({
        source: await fileSource(file),
        unit: "line",
        checkpoints: (input) => verifyFileAgainstCheckpoints(file, input.found, input.keys, input.writers[i]),
      });
    }
    const database = query.database;
    if (database !== undefined) {
      sources.push({
        source: await databaseSource(database),
        unit: "row",
        checkpoints: (input) => checkTable(database, input),
      });
    }
    const items: ExportedEntry[] = [];
    for await (const item of mergeByTime(sources.map((s) => s.source.entries()))) {
      if (query.keep(item.entry)) items.push(item);
    }
    const trails: TrailVerification[] = [];
    for (const { source, unit, checkpoints } of sources) {
      trails.push({
        name: unit === "row" ? `${ENTRIES_TABLE} in ${source.name}` : source.name,
        unit,
        verification: source.verification,
        checkpoints: query.checkpoints === undefined ? undefined : await checkpoints(query.checkpoints),
      });
    }
    return { items, trails };
  } finally {
    for (const { source } of sources) await source.close();
  }
}
