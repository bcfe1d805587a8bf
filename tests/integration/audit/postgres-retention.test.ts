// Retention on a real PostgreSQL: the attacks first (the operator's role, and the purge role outside the purge
// function, can neither delete nor lift a hold, whatever session variable they set), then the purge itself:
// only what expired and no hold covers, entries only from the front, recorded in the chain, and a chain that
// still verifies afterwards while an unrecorded removal of its front is still found.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { sealArchiveDocument, type ArchiveClass } from "../../../src/audit/archive/document.js";
import { PostgresArchiveStore } from "../../../src/audit/archive/postgres-store.js";
import { PostgresAuditRecorder } from "../../../src/audit/postgres/recorder.js";
import { setUpAuditDatabase } from "../../../src/audit/postgres/schema.js";
import { createAuditDatabase, databaseUrl, type AuditDatabase } from "../../support/postgres.js";
import { makeScratch } from "../../unit/audit/audit-fixtures.js";
import { runOfflineCli } from "../../support/offline-cli.js";

const OLD = Date.parse("2015-03-01T00:00:00Z");

const cli = runOfflineCli;

/** Runs statements on one connection as a role: a session variable set by one is seen by the next. */
async function asRole(url: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

describe("retention of the PostgreSQL audit store", () => {
  let db: AuditDatabase;
  let scratch: Awaited<ReturnType<typeof makeScratch>>;
  let purgeRole: string;
  let purgeUrl: string;
  let purgeLogin: string[];
  let operatorLogin: string[];
  let adminLogin: string[];

  before(async () => {
    db = await createAuditDatabase();
    scratch = await makeScratch();
    purgeRole = `purge_${randomBytes(4).toString("hex")}`;
    const password = randomBytes(12).toString("hex");
    await asRole(databaseUrl(db.server, "postgres"), [
      `CREATE ROLE ${purgeRole} LOGIN PASSWORD '${password}'`,
    ]);
    const admin = new pg.Client({ connectionString: db.adminUrl });
    await admin.connect();
    try {
      await setUpAuditDatabase(admin, db.role, purgeRole);
    } finally {
      await admin.end();
    }
    purgeUrl = databaseUrl(db.server, db.database, purgeRole, password);
    const login = async (user: string, secret: string): Promise<string[]> => {
      const file = path.join(scratch.dir, `${user}.password`);
      await writeFile(file, `${secret}\n`, { mode: 0o600 });
      return [
        "--database-url",
        `postgresql://${user}@${db.server.host}:${db.server.port}/${db.database}`,
        "--password-file",
        file,
      ];
    };
    purgeLogin = await login(purgeRole, password);
    operatorLogin = await login(db.role, db.rolePassword);
    adminLogin = await login(db.server.superuser, db.server.superuserPassword);
  });

  after(async () => {
    await scratch?.cleanup();
  });

  /** Appends entries at `time` about objects in `namespace`. */
  async function record(times: number[], namespace: string): Promise<void> {
    let i = 0;
    const recorder = await PostgresAuditRecorder.open({
      connection: { url: db.operatorUrl },
      clock: () => new Date(times[Math.min(i++, times.length - 1)] ?? Date.now()),
    });
    try {
      for (const [n] of times.entries()) {
        await recorder.record({
          actor: "erin",
          action: "DecisionRecorded",
          object: { kind: "Approval", namespace, name: `change-${n}` },
          details: { decision: "Approve" },
        });
      }
    } finally {
      await recorder.close();
    }
  }

  async function archive(archiveClass: ArchiveClass, namespace: string, closed: number): Promise<string> {
    const store = await PostgresArchiveStore.open({ url: db.operatorUrl });
    try {
      const uid = randomBytes(8).toString("hex");
      const kind = archiveClass === "change" ? "ChangeRequest" : "DeploymentTask";
      const row = await store.put(
        sealArchiveDocument({
          class: archiveClass,
          object: { kind, metadata: { name: `n-${uid}`, namespace, uid } },
          related: [],
          entries: [],
          closedAt: new Date(closed),
          archivedAt: new Date(closed),
          archivedBy: "stagegate-operator",
        }),
      );
      return row.hash;
    } finally {
      await store.close();
    }
  }

  const seqs = async (): Promise<number[]> =>
    (await db.asAdmin<{ seq: string }>(`SELECT seq FROM stagegate_audit.entries ORDER BY seq`)).map((r) =>
      Number(r.seq),
    );
  const archived = async (): Promise<string[]> =>
    (await db.asAdmin<{ hash: string }>(`SELECT hash FROM stagegate_audit.archive`)).map((r) => r.hash);

  it("refuses the operator's role a purge, a hold lifted, and a delete, whatever session variable it sets", async () => {
    await record([OLD, OLD], "payments");
    await assert.rejects(
      db.asOperator(`SELECT * FROM stagegate_audit.purge(now(), now(), now(), now(), false)`),
      /permission denied for function purge/,
    );
    await assert.rejects(
      db.asOperator(
        `INSERT INTO stagegate_audit.holds (name, action, reason) VALUES ('case-1', 'lift', 'x')`,
      ),
      /permission denied/,
    );
    for (const url of [db.operatorUrl, purgeUrl]) {
      await assert.rejects(
        asRole(url, [
          "BEGIN",
          "SELECT set_config('stagegate_audit.purging', txid_current()::text, true)",
          "DELETE FROM stagegate_audit.entries WHERE seq = 1",
        ]),
        /permission denied/,
      );
      await assert.rejects(
        asRole(url, ["SET stagegate_audit.purging = '1'", "DELETE FROM stagegate_audit.archive"]),
        /permission denied/,
      );
    }
    // The purge role may purge, but not touch the holds.
    await assert.rejects(
      asRole(purgeUrl, [
        `INSERT INTO stagegate_audit.holds (name, action, reason) VALUES ('case-1', 'lift', 'x')`,
      ]),
      /permission denied/,
    );
    // The table's owner outside the purge function is refused by the trigger, session variable or not.
    await assert.rejects(
      asRole(db.adminUrl, [
        "SET stagegate_audit.purging = '1'",
        "DELETE FROM stagegate_audit.entries WHERE seq = 1",
      ]),
      /append-only/,
    );
    const operatorPurge = await cli(["audit", "purge", ...operatorLogin, "--audit-entries", "1d"]);
    assert.equal(operatorPurge.code, 1);
    assert.match(operatorPurge.err, /permission denied for function purge/);
    const operatorHold = await cli(["audit", "hold", "set", "mine", "--reason", "x", ...operatorLogin]);
    assert.equal(operatorHold.code, 1);
    assert.match(operatorHold.err, /permission denied/);
    assert.deepEqual(await seqs(), [1, 2]);
  });

  it("purges only what expired and no hold covers, records it, and the chain still verifies", async () => {
    // Entries 3 (held namespace) and 4..5 are old; 6..7 are recent. Entries 1..2 are the first test's, old too.
    await record([OLD], "held");
    await record([OLD, OLD], "payments");
    await record([Date.now(), Date.now()], "payments");
    const oldTask = await archive("task", "payments", OLD);
    const heldChange = await archive("change", "held", OLD);
    const recentChange = await archive("change", "payments", Date.now());
    const set = await cli([
      "audit",
      "hold",
      "set",
      "case-1",
      "--reason",
      "Litigation LEG-1",
      "-n",
      "held",
      ...adminLogin,
    ]);
    assert.equal(set.code, 0, set.err);

    const dry = await cli([
      "audit",
      "purge",
      ...purgeLogin,
      "--audit-entries",
      "7y",
      "--changes",
      "7y",
      "--tasks",
      "7y",
      "--dry-run",
    ]);
    assert.equal(dry.code, 0, dry.err);
    assert.match(
      dry.out,
      /^Would remove 2 audit entries \(entries 1 to 2\), 0 archived releases, 0 archived changes and 1 archived tasks; holds honoured: case-1/,
    );
    assert.deepEqual(await seqs(), [1, 2, 3, 4, 5, 6, 7], "a dry run removes nothing");

    const first = await cli([
      "audit",
      "purge",
      ...purgeLogin,
      "--audit-entries",
      "7y",
      "--changes",
      "7y",
      "--tasks",
      "7y",
      "-o",
      "json",
    ]);
    assert.equal(first.code, 0, first.err);
    const summary = JSON.parse(first.out) as {
      entries: { removed: number; lastSeq: number };
      record: { seq: number; actor: string };
    };
    assert.equal(summary.entries.removed, 2);
    assert.equal(summary.record.seq, 8);
    assert.equal(summary.record.actor, purgeRole);
    assert.deepEqual(
      await seqs(),
      [3, 4, 5, 6, 7, 8],
      "the held entry 3 stops the purge; nothing after it goes",
    );
    assert.deepEqual((await archived()).sort(), [heldChange, recentChange].sort());
    assert.ok(!(await archived()).includes(oldTask));
    const verified = await cli(["audit", "verify", ...operatorLogin]);
    assert.equal(verified.code, 0, verified.out);
    assert.match(verified.out, /is intact: 6 entries/);

    // The hold lifted (by the administrator only), the next purge takes the rest, from its own anchor.
    const lift = await cli(["audit", "hold", "lift", "case-1", "--reason", "Case closed", ...adminLogin]);
    assert.equal(lift.code, 0, lift.err);
    const second = await cli([
      "audit",
      "purge",
      ...purgeLogin,
      "--policy-file",
      await policyFile("auditEntries: 7y\nchanges: 7y\n"),
    ]);
    assert.equal(second.code, 0, second.err);
    assert.match(
      second.out,
      /Removed 3 audit entries \(entries 3 to 5\), 0 archived releases, 1 archived changes/,
    );
    assert.deepEqual(await seqs(), [6, 7, 8, 9]);
    assert.deepEqual(await archived(), [recentChange]);
    assert.equal((await cli(["audit", "verify", ...operatorLogin])).code, 0);
    const nothing = await cli(["audit", "purge", ...purgeLogin, "--audit-entries", "7y"]);
    assert.match(nothing.out, /Removed 0 audit entries.*nothing to record/);
    assert.deepEqual(await seqs(), [6, 7, 8, 9]);

    // Someone deletes the front of the chain behind the triggers' back: no purge recorded it, and verify says so.
    await db.asAdmin(`ALTER TABLE stagegate_audit.entries DISABLE TRIGGER entries_append_only`);
    await db.asAdmin(`DELETE FROM stagegate_audit.entries WHERE seq = 6`);
    await db.asAdmin(`ALTER TABLE stagegate_audit.entries ENABLE TRIGGER entries_append_only`);
    const broken = await cli(["audit", "verify", ...operatorLogin]);
    assert.equal(broken.code, 1);
    assert.match(
      broken.out,
      /is broken at row 1 \(entry 7\): entry 7 is the first entry, so entries 1 to 6 were removed/,
    );
  });

  async function policyFile(text: string): Promise<string> {
    const file = path.join(scratch.dir, `policy-${randomBytes(3).toString("hex")}.yaml`);
    await writeFile(file, text);
    return file;
  }
});
