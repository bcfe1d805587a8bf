import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import pg from "pg";
import { GENESIS_HASH, hashAuditEntry } from "../../../src/audit/canonical-hash.js";
import type { AuditEntry } from "../../../src/audit/entry.js";
import { PostgresAuditRecorder } from "../../../src/audit/postgres/recorder.js";
import { verifyAuditDatabase } from "../../../src/audit/postgres/verify-table.js";
import { verifyAuditFile } from "../../../src/audit/verify.js";
import { createAuditDatabase, type AuditDatabase } from "../../support/postgres.js";
import { makeScratch, sampleEvent, tickingClock } from "../../unit/audit/audit-fixtures.js";

const ENTRIES = "stagegate_audit.entries";

/** Opens a recorder as the database's operator role (its own pool: one replica). */
function openRecorder(db: AuditDatabase, mirrored: AuditEntry[] = []): Promise<PostgresAuditRecorder> {
  return PostgresAuditRecorder.open({
    connection: { url: db.operatorUrl },
    clock: tickingClock(),
    mirror: (entry) => {
      mirrored.push(entry);
      return Promise.resolve();
    },
  });
}

/** The stored entries in seq order, parsed from the `entry` column. */
async function storedEntries(db: AuditDatabase): Promise<AuditEntry[]> {
  const rows = await db.asAdmin<{ entry: string }>(
    `SELECT entry::text AS entry FROM ${ENTRIES} ORDER BY seq`,
  );
  return rows.map((row) => JSON.parse(row.entry) as AuditEntry);
}

/** Asserts seq 1..count, each entry sealed by its hash and linked to the one before. */
function assertLinked(entries: AuditEntry[], count: number): void {
  assert.deepEqual(
    entries.map((e) => e.seq),
    Array.from({ length: count }, (_, i) => i + 1),
  );
  entries.forEach((entry, i) => {
    assert.equal(entry.prevHash, i === 0 ? GENESIS_HASH : entries[i - 1]?.hash, `entry ${entry.seq} links`);
    assert.equal(entry.hash, hashAuditEntry(entry), `entry ${entry.seq} is sealed`);
  });
}

/** The SQLSTATE and message a statement fails with; fails the test when it succeeds. */
async function refusal(run: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await run();
  } catch (err) {
    return { code: String((err as { code?: unknown }).code), message: (err as Error).message };
  }
  assert.fail("the statement was not refused");
}

/** Runs statements as the superuser on one connection, in order (for ALTER TABLE ... DISABLE TRIGGER). */
async function asAdminInOrder(db: AuditDatabase, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: db.adminUrl });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

describe("PostgreSQL audit store", () => {
  it("appends entries in one hash chain that the file trail's checker verifies, and mirrors each", async () => {
    const db = await createAuditDatabase();
    const mirrored: AuditEntry[] = [];
    const recorder = await openRecorder(db, mirrored);
    try {
      for (let i = 1; i <= 5; i++) await recorder.record(sampleEvent(i));
    } finally {
      await recorder.close();
    }
    const entries = await storedEntries(db);
    assertLinked(entries, 5);
    assert.deepEqual(
      entries.map((e) => e.actor),
      ["approver-1", "approver-2", "approver-3", "approver-4", "approver-5"],
    );
    assert.deepEqual(mirrored, entries, "each committed entry is mirrored as it was stored");
    assert.deepEqual(await verifyAuditDatabase({ url: db.operatorUrl }), { ok: true, entries: 5 });

    // The same entries as JSON lines are a file trail the file verifier accepts: one format, one chain.
    const scratch = await makeScratch();
    try {
      const file = path.join(scratch.dir, "export.jsonl");
      await writeFile(file, entries.map((e) => `${JSON.stringify(e)}\n`).join(""));
      assert.deepEqual(await verifyAuditFile(file), { ok: true, entries: 5 });
    } finally {
      await scratch.cleanup();
    }
  });

  it("keeps one unforked chain while two replicas (two pools) append hundreds of entries at once", async () => {
    const db = await createAuditDatabase();
    const replicas = [await openRecorder(db), await openRecorder(db)];
    const perReplica = 200;
    try {
      await Promise.all(
        replicas.map((recorder, r) =>
          Promise.all(
            Array.from({ length: perReplica }, (_, i) =>
              recorder.record({ ...sampleEvent(i), actor: `replica-${r}-${i}` }),
            ),
          ),
        ),
      );
    } finally {
      await Promise.all(replicas.map((recorder) => recorder.close()));
    }
    const entries = await storedEntries(db);
    assertLinked(entries, 2 * perReplica);
    const actors = new Set(entries.map((e) => e.actor));
    for (let r = 0; r < 2; r++) {
      for (let i = 0; i < perReplica; i++) assert.ok(actors.has(`replica-${r}-${i}`), `replica-${r}-${i}`);
    }
    const interleaved = entries.some(
      (e, i) => i > 0 && e.actor.slice(0, 9) !== entries[i - 1]?.actor.slice(0, 9),
    );
    assert.ok(interleaved, "the two replicas' appends interleaved, so they really competed");
    assert.deepEqual(await verifyAuditDatabase({ url: db.operatorUrl }), {
      ok: true,
      entries: 2 * perReplica,
    });
  });

  it("commits records made during a transaction together, in call order, each stored when it resolves (ADR 0035)", async () => {
    const db = await createAuditDatabase();
    const recorder = await openRecorder(db);
    const storedAtResolve: boolean[] = [];
    const count = 40;
    try {
      await Promise.all(
        Array.from({ length: count }, (_, i) =>
          recorder.record({ ...sampleEvent(i + 1), actor: `batch-${i}` }).then(async () => {
            const rows = await db.asAdmin(`SELECT 1 FROM ${ENTRIES} WHERE entry->>'actor' = $1`, [
              `batch-${i}`,
            ]);
            storedAtResolve.push(rows.length === 1);
          }),
        ),
      );
      // One refused event does not take its batch down with it.
      const mixed = [recorder.record(sampleEvent(98)), recorder.record({ ...sampleEvent(99), actor: "" })];
      const results = await Promise.allSettled(mixed);
      assert.deepEqual(
        results.map((r) => r.status),
        ["fulfilled", "rejected"],
      );
    } finally {
      await recorder.close();
    }
    assert.ok(
      storedAtResolve.length === count && storedAtResolve.every(Boolean),
      "each was committed when it resolved",
    );
    const entries = await storedEntries(db);
    assertLinked(entries, count + 1);
    assert.deepEqual(
      entries.map((e) => e.actor),
      [...Array.from({ length: count }, (_, i) => `batch-${i}`), "approver-98"],
    );
    const commits = await db.asAdmin<{ n: string }>(`SELECT count(DISTINCT xmin::text) AS n FROM ${ENTRIES}`);
    assert.ok(
      Number(commits[0]?.n) < count,
      `the records shared transactions (${commits[0]?.n} for ${count + 1})`,
    );
  });

  it("holds one entry per transition while two replicas record the same facts at once (ADR 0031)", async () => {
    const db = await createAuditDatabase();
    const replicas = [await openRecorder(db), await openRecorder(db)];
    const facts = 50;
    try {
      // Each replica records every fact three times, as passes and retries on two leaders in turn would.
      await Promise.all(
        replicas.flatMap((recorder) =>
          Array.from({ length: 3 * facts }, (_, i) =>
            recorder.record({
              ...sampleEvent(i % facts),
              transition: `Release/u/ReleasePromoted/e${i % facts}`,
            }),
          ),
        ),
      );
      // A replica started later (a new leader) knows nothing in memory: the table answers.
      const late = await openRecorder(db);
      try {
        await late.record({ ...sampleEvent(0), transition: "Release/u/ReleasePromoted/e0" });
        await late.record({ ...sampleEvent(99), transition: "Release/u/ReleasePromoted/new" });
      } finally {
        await late.close();
      }
    } finally {
      await Promise.all(replicas.map((recorder) => recorder.close()));
    }
    const entries = await storedEntries(db);
    assertLinked(entries, facts + 1);
    assert.equal(new Set(entries.map((e) => e.transition)).size, facts + 1, "each transition once");
    const refused = await refusal(() =>
      db.asAdmin(
        `INSERT INTO ${ENTRIES} (seq, time, actor, action, object_kind, object_name, prev_hash, hash, entry, transition)
         SELECT seq + 1, time, actor, action, object_kind, object_name, hash, repeat('a', 64), entry, transition
         FROM ${ENTRIES} ORDER BY seq DESC LIMIT 1`,
      ),
    );
    assert.equal(
      refused.code,
      "23505",
      `a second row of a transition is refused by the index: ${refused.message}`,
    );
  });

  it("grants the operator's role no UPDATE, DELETE, TRUNCATE or trigger changes, and the triggers refuse them to the owner too", async () => {
    const db = await createAuditDatabase();
    const recorder = await openRecorder(db);
    try {
      for (let i = 1; i <= 3; i++) await recorder.record(sampleEvent(i));
    } finally {
      await recorder.close();
    }
    for (const sql of [
      `UPDATE ${ENTRIES} SET actor = 'mallory' WHERE seq = 2`,
      `DELETE FROM ${ENTRIES} WHERE seq = 3`,
      `TRUNCATE ${ENTRIES}`,
    ]) {
      const asOperator = await refusal(() => db.asOperator(sql));
      assert.equal(asOperator.code, "42501", `${sql} as the operator: ${asOperator.message}`);
      assert.match(asOperator.message, /permission denied for table entries/);
      const asOwner = await refusal(() => db.asAdmin(sql));
      assert.equal(asOwner.code, "42501", `${sql} as the superuser: ${asOwner.message}`);
      assert.match(asOwner.message, /append-only/);
    }
    for (const sql of [
      `ALTER TABLE ${ENTRIES} DISABLE TRIGGER entries_append_only`,
      `DROP TRIGGER entries_append_only ON ${ENTRIES}`,
      `DROP TABLE ${ENTRIES}`,
    ]) {
      const asOperator = await refusal(() => db.asOperator(sql));
      assert.equal(asOperator.code, "42501", `${sql} as the operator: ${asOperator.message}`);
      assert.match(asOperator.message, /must be owner of (table|relation) entries/);
    }
    const forged = await refusal(async () => {
      const [first] = await storedEntries(db);
      await db.asOperator(
        `INSERT INTO ${ENTRIES} (seq, time, actor, action, object_kind, object_name, prev_hash, hash, entry)
          VALUES (4, now(), 'mallory', 'DecisionRecorded', 'Approval', 'x', $1, $2, '{}')`,
        [first?.hash, "f".repeat(64)],
      );
    });
    assert.match(forged.message, /does not continue the chain/, "a fork from entry 1 is refused");
    assertLinked(await storedEntries(db), 3);
  });

  it("reports a row tampered with behind the triggers, and refuses to append after a tampered last entry", async () => {
    const db = await createAuditDatabase();
    const recorder = await openRecorder(db);
    try {
      for (let i = 1; i <= 6; i++) await recorder.record(sampleEvent(i));
    } finally {
      await recorder.close();
    }
    const edit = (seq: number, entry: string): string[] => [
      `ALTER TABLE ${ENTRIES} DISABLE TRIGGER entries_append_only`,
      `UPDATE ${ENTRIES} SET entry = '${entry.replaceAll("'", "''")}'::json WHERE seq = ${seq}`,
      `ALTER TABLE ${ENTRIES} ENABLE TRIGGER entries_append_only`,
    ];
    const entries = await storedEntries(db);
    const third = entries[2];
    assert.ok(third !== undefined);
    await asAdminInOrder(db, edit(3, JSON.stringify({ ...third, details: { decision: "Reject" } })));
    const verdict = await verifyAuditDatabase({ url: db.operatorUrl });
    assert.deepEqual(verdict, {
      ok: false,
      entries: 2,
      firstBad: {
        line: 3,
        seq: 3,
        problem: "edited",
        message: "the entry was edited after it was written (its hash does not match its content)",
      },
    });

    const last = entries[5];
    assert.ok(last !== undefined);
    await asAdminInOrder(db, edit(6, JSON.stringify({ ...last, actor: "mallory" })));
    const again = await openRecorder(db);
    try {
      await assert.rejects(again.record(sampleEvent(7)), /does not match its hash.*will not append/);
    } finally {
      await again.close();
    }
    assert.equal((await storedEntries(db)).length, 6, "nothing was appended after the damage");
  });

  it("records outside text PostgreSQL's text type cannot hold (NUL, a lone surrogate) exactly as the chain seals it", async () => {
    const db = await createAuditDatabase();
    const recorder = await openRecorder(db);
    const hostile = {
      actor: "mallory\u0000admin",
      action: "AdmissionDenied" as const,
      object: { kind: "ChangeRequest", namespace: "payments", name: "x\u0000y" },
      details: { comment: "nul \u0000 and a lone \ud800 surrogate" },
    };
    try {
      await recorder.record(hostile);
    } finally {
      await recorder.close();
    }
    const [stored] = await storedEntries(db);
    assert.equal(stored?.actor, hostile.actor);
    assert.equal(stored?.object.name, hostile.object.name);
    assert.deepEqual(stored?.details, hostile.details);
    const [row] = await db.asAdmin<{ actor: string }>(`SELECT actor FROM ${ENTRIES}`);
    assert.equal(row?.actor, "mallory\uFFFDadmin", "the query column holds what text can");
    assert.deepEqual(await verifyAuditDatabase({ url: db.operatorUrl }), { ok: true, entries: 1 });
  });

  it("refuses to open a database the admin step has not set up, saying how to set it up", async () => {
    const db = await createAuditDatabase();
    await db.asAdmin("DROP SCHEMA stagegate_audit CASCADE");
    await assert.rejects(
      openRecorder(db),
      /no Stagegate audit schema; set it up first with `stagegate audit setup-database/,
    );
  });
});
