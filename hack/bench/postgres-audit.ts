/**
 * `make bench-audit-db`: appends/s of the PostgreSQL audit store from two recorders (two pools, as two replicas)
 * against raw INSERTs of the same rows from two pools into a plain table, measured in one run on one durable
 * server (fsync and synchronous commit on). See docs/benchmarks.md. Not a test: nothing here asserts a time.
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import pg from "pg";
import { startPostgres } from "../postgres/index.js";
import { PostgresAuditRecorder } from "../../src/audit/postgres/recorder.js";
import { verifyAuditDatabase } from "../../src/audit/postgres/verify-table.js";
import type { AuditEvent } from "../../src/audit/recorder.js";
import { createAuditDatabase } from "../../tests/support/postgres.js";
import { latencyTable, summarize, type LatencySummary } from "./stats.js";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "8" },
    "keep-logs": { type: "boolean", default: false },
  },
});
const count = Number(values.count);
const concurrency = Number(values.concurrency);

const event = (i: number): AuditEvent => ({
  actor: `approver-${i}`,
  action: "DecisionRecorded",
  object: { kind: "Approval", namespace: "payments", name: "checkout-1-4-0-production", uid: `uid-${i}` },
  details: { decision: "Approve", comment: `CAB reviewed #${i}`, groups: ["cab", "release-managers"] },
});

/** Runs `total` operations split over two writers, `concurrency` in flight each; returns the latency summary. */
async function measure(
  label: string,
  writers: readonly ((i: number) => Promise<unknown>)[],
  total: number,
): Promise<LatencySummary> {
  const samples: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    writers.flatMap((write) =>
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < total; i = next++) {
          const begun = performance.now();
          await write(i);
          samples.push(performance.now() - begun);
        }
      }),
    ),
  );
  return summarize(label, samples, performance.now() - start);
}

const load = loadavg();
const server = await startPostgres({ durable: true });
let failed = true;
try {
  const db = await createAuditDatabase(server);
  await db.asAdmin(
    `CREATE TABLE public.raw_entries (seq bigserial PRIMARY KEY, time timestamptz NOT NULL, actor text NOT NULL,
      action text NOT NULL, object_kind text NOT NULL, object_namespace text, object_name text NOT NULL,
      prev_hash text NOT NULL, hash text NOT NULL, entry json NOT NULL)`,
  );
  const pools = [0, 1].map(() => new pg.Pool({ connectionString: db.adminUrl, max: concurrency }));
  const rawInsert = (pool: pg.Pool) => (i: number) => {
    const e = event(i);
    return pool.query(
      `INSERT INTO public.raw_entries (time, actor, action, object_kind, object_namespace, object_name, prev_hash,
        hash, entry) VALUES (now(), $1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        e.actor,
        e.action,
        e.object.kind,
        e.object.namespace,
        e.object.name,
        "0".repeat(64),
        "f".repeat(64),
        e,
      ],
    );
  };
  const recorders = await Promise.all(
    [0, 1].map(() =>
      PostgresAuditRecorder.open({ connection: { url: db.operatorUrl }, maxConnections: concurrency }),
    ),
  );
  // Warm-up: connections, JIT, the first pages of both tables.
  await measure("warm-up", pools.map(rawInsert), 100);
  await measure(
    "warm-up",
    recorders.map((r) => (i: number) => r.record(event(i))),
    100,
  );
  const raw = await measure("raw INSERT, 2 pools (baseline)", pools.map(rawInsert), count);
  const audit = await measure(
    "audit append, 2 recorders",
    recorders.map((r) => (i: number) => r.record(event(i))),
    count,
  );
  await Promise.all([...recorders.map((r) => r.close()), ...pools.map((p) => p.end())]);
  const verified = await verifyAuditDatabase({ url: db.operatorUrl });
  console.log(
    `PostgreSQL audit store: ${count} appends per series, ${concurrency} in flight per writer, 2 writers; ` +
      `${cpus().length} cores, Node ${process.version}, load ${load.map((l) => l.toFixed(2)).join(" ")} before, ` +
      `${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")} after\n`,
  );
  console.log(latencyTable([raw, audit]));
  const ratio = (audit.perSecond ?? 0) / (raw.perSecond ?? 1);
  console.log(`\naudit appends/s / raw INSERTs/s: ${ratio.toFixed(2)}`);
  console.log(`audit p50 / raw p50: ${(audit.p50 / raw.p50).toFixed(2)}`);
  console.log(`chain after the run: ${verified.ok ? `intact, ${verified.entries} entries` : "BROKEN"}`);
  failed = !verified.ok;
} finally {
  await server.stop({ keepLogs: values["keep-logs"] || failed });
}
process.exit(failed ? 1 : 0);
