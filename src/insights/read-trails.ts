import type { StoredAuditEntry } from "../audit/entry.js";
import { mergeByTime } from "../audit/export/merge.js";
import { databaseSource, fileSource, type ExportSource } from "../audit/export/sources.js";
import type { AuditDatabaseConnection } from "../audit/postgres/connection.js";
import { formatVerification, type AuditVerification } from "../audit/verification.js";

/** The trails insights read, as `stagegate audit export` reads them. */
export interface TrailSelection {
  files: readonly string[];
  database: AuditDatabaseConnection | undefined;
}

/** The entries insights may count (those their trail's chain vouches for), in time order, and what was left out. */
export interface VerifiedEntries {
  entries: StoredAuditEntry[];
  /** Entries at or after a trail's first bad line: shown in the count, never used as facts. */
  unverified: number;
  verifications: { name: string; verification: AuditVerification }[];
}

/**
 * Reads every trail (each replica's file, the PostgreSQL store, or both), verifies each chain, and returns the
 * entries the chains vouch for merged by time: a measure is computed only from the verified record, so a line
 * appended or altered by hand changes nothing but the count of entries left out.
 */
export async function readVerifiedEntries(selection: TrailSelection): Promise<VerifiedEntries> {
  const sources: ExportSource[] = [];
  try {
    for (const file of selection.files) sources.push(await fileSource(file));
    if (selection.database !== undefined) sources.push(await databaseSource(selection.database));
    const entries: StoredAuditEntry[] = [];
    let unverified = 0;
    for await (const item of mergeByTime(sources.map((s) => s.entries()))) {
      if (item.verified) entries.push(item.entry);
      else unverified += 1;
    }
    return {
      entries,
      unverified,
      verifications: sources.map((s) => ({ name: s.name, verification: s.verification })),
    };
  } finally {
    for (const source of sources) await source.close();
  }
}

/** One line per trail saying whether it verified, for stderr. */
export function describeTrails(read: VerifiedEntries): string {
  const lines = read.verifications.map(({ name, verification }) => formatVerification(verification, name));
  if (read.unverified > 0) {
    lines.push(`Left out ${read.unverified} entries no chain vouches for; the measures do not count them.`);
  }
  return `${lines.join("\n")}\n`;
}
