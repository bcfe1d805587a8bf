import type { StoredAuditEntry } from "../../audit/entry.js";
import type { AuditDatabaseConnection } from "../../audit/postgres/connection.js";
import { readRecord, type CheckpointInput, type ReadRecord } from "../../audit/reports/read-record.js";
import type { GlobalOptions } from "../flags.js";
import type { CliIo } from "../verb.js";
import { readCheckpoints } from "./audit-checkpoint-flags.js";
import type { CheckpointChoice } from "./insights-failures-options.js";

/** What the insight verbs read: the trails, and (with --public-key) the checkpoints to check them against. */
export interface InsightRecordOptions extends Pick<GlobalOptions, "kubeconfig"> {
  files: readonly string[];
  database: AuditDatabaseConnection | undefined;
  checkpoints: CheckpointChoice | undefined;
}

/**
 * Reads the trails as `stagegate audit report` does (each verified, merged by time, keeping what `keep` accepts) and,
 * with --public-key, checks each against the signed checkpoints published in the cluster. Undefined (after saying
 * why on stderr) when a key or a trail cannot be read: the verb exits 2.
 */
export async function readInsightRecord(
  verb: string,
  options: InsightRecordOptions,
  keep: (entry: StoredAuditEntry) => boolean,
  io: CliIo,
): Promise<ReadRecord | undefined> {
  let checkpoints: CheckpointInput | undefined;
  const choice = options.checkpoints;
  if (choice !== undefined) {
    const read = await readCheckpoints(
      verb,
      { kubeconfig: options.kubeconfig, checkpointNamespace: choice.checkpointNamespace },
      choice.publicKeys,
      io,
    );
    if (read === undefined) return undefined;
    checkpoints = { ...read, writers: choice.writers };
  }
  try {
    return await readRecord({ files: options.files, database: options.database, keep, checkpoints });
  } catch (err) {
    io.stderr(`stagegate ${verb}: cannot read a trail: ${(err as Error).message}\n`);
    return undefined;
  }
}
