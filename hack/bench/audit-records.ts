/**
 * A large audit record for the feed and export benchmarks: `count` entries of a valid chain (sealed by the store's
 * own code, so verification does real work), bulk-loaded into a database set up by the project's admin step. The
 * load inserts thousands of rows per statement with the link trigger switched off by the superuser for its
 * duration (a row-at-a-time trigger check would be the load's whole cost); the chain it writes is the one the
 * recorder would have written, and the feed and export verify it.
 */
import type pg from "pg";
import { GENESIS_HASH } from "../../src/audit/canonical-hash.js";
import type { AuditEvent } from "../../src/audit/recorder.js";
import { sealAuditEntry } from "../../src/audit/seal.js";
import { ENTRIES_TABLE } from "../../src/audit/postgres/schema.js";

const ROWS_PER_INSERT = 5000;

/** The i-th benchmark event: four actions, three namespaces, two environments, realistic details. */
export function benchEvent(i: number): AuditEvent {
  const actions = ["DecisionRecorded", "ChangeApproved", "ChangeRequested", "AdmissionDenied"] as const;
  return {
    actor: `approver-${i % 50}`,
    action: actions[i % 4] ?? "DecisionRecorded",
    object: {
      kind: "Approval",
      namespace: ["payments", "checkout", "search"][i % 3] ?? "payments",
      name: `release-${i}`,
    },
    details: {
      decision: "Approve",
      comment: `CAB reviewed #${i}`,
      environment: i % 2 === 0 ? "production" : "staging",
    },
  };
}

/** Loads `count` chained entries as the superuser `admin`; returns how long it took. */
export async function loadRecord(
  admin: pg.Client,
  count: number,
  log: (line: string) => void,
): Promise<number> {
  const start = performance.now();
  await admin.query(`ALTER TABLE ${ENTRIES_TABLE} DISABLE TRIGGER entries_linked`);
  let prevHash = GENESIS_HASH;
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  try {
    for (let from = 1; from <= count; from += ROWS_PER_INSERT) {
      const cols: unknown[][] = Array.from({ length: 10 }, () => []);
      for (let seq = from; seq < Math.min(from + ROWS_PER_INSERT, count + 1); seq++) {
        const event = benchEvent(seq);
        const entry = sealAuditEntry(event, { seq, prevHash, time: new Date(t0 + seq * 1000) });
        prevHash = entry.hash;
        const row = [
          entry.seq,
          entry.time,
          entry.actor,
          entry.action,
          entry.object.kind,
          entry.object.namespace,
          entry.object.name,
          entry.prevHash,
          entry.hash,
          JSON.stringify(entry),
        ];
        row.forEach((value, k) => cols[k]?.push(value));
      }
      await admin.query(
        `INSERT INTO ${ENTRIES_TABLE}
          (seq, time, actor, action, object_kind, object_namespace, object_name, prev_hash, hash, entry)
         SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[],
           $7::text[], $8::text[], $9::text[], $10::json[])`,
        cols,
      );
      if ((from - 1) % 200_000 === 0) log(`loaded ${from - 1} entries`);
    }
  } finally {
    await admin.query(`ALTER TABLE ${ENTRIES_TABLE} ENABLE TRIGGER entries_linked`);
  }
  await admin.query(`ANALYZE ${ENTRIES_TABLE}`);
  return performance.now() - start;
}
