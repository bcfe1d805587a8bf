import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import pg from "pg";
import { PostgresAuditRecorder } from "../../../src/audit/postgres/recorder.js";
import { AUDIT_SCHEMA_VERSION } from "../../../src/audit/postgres/schema.js";
import { createAuditDatabase, passwordFileLogin } from "../../support/postgres.js";
import { makeScratch, sampleEvent } from "../../unit/audit/audit-fixtures.js";
import { runOfflineCli } from "../../support/offline-cli.js";

const cli = runOfflineCli;

const operatorLogin = passwordFileLogin;

describe("stagegate audit verify and setup-database on PostgreSQL", () => {
  it("sets the store up idempotently, then verifies its chain by row and names a tampered row", async () => {
    const db = await createAuditDatabase();
    const scratch = await makeScratch();
    try {
      const login = await operatorLogin(db, scratch.dir);
      const adminFile = path.join(scratch.dir, "admin.password");
      await writeFile(adminFile, db.server.superuserPassword, { mode: 0o600 });
      const adminUrl = `postgresql://${db.server.superuser}@${db.server.host}:${db.server.port}/${db.database}`;
      const again = await cli([
        "audit",
        "setup-database",
        "--database-url",
        adminUrl,
        "--password-file",
        adminFile,
        "--operator-role",
        db.role,
      ]);
      assert.equal(again.code, 0, again.err);
      assert.ok(
        again.out.includes(`is at schema version ${AUDIT_SCHEMA_VERSION} (already up to date)`),
        again.out,
      );

      const empty = await cli(["audit", "verify", ...login]);
      assert.equal(empty.code, 0, empty.err);
      assert.match(
        empty.out,
        /^audit trail stagegate_audit\.entries in postgresql:\/\/.* is intact: it is empty/,
      );

      const recorder = await PostgresAuditRecorder.open({ connection: { url: db.operatorUrl } });
      try {
        for (let i = 1; i <= 4; i++) await recorder.record(sampleEvent(i));
      } finally {
        await recorder.close();
      }
      const intact = await cli(["audit", "verify", ...login]);
      assert.equal(intact.code, 0, intact.err);
      assert.match(intact.out, /is intact: 4 entries, chain verified\.\n$/);

      const admin = new pg.Client({ connectionString: db.adminUrl });
      await admin.connect();
      try {
        await admin.query("ALTER TABLE stagegate_audit.entries DISABLE TRIGGER entries_append_only");
        await admin.query("DELETE FROM stagegate_audit.entries WHERE seq = 2");
        await admin.query("ALTER TABLE stagegate_audit.entries ENABLE TRIGGER entries_append_only");
      } finally {
        await admin.end();
      }
      const broken = await cli(["audit", "verify", ...login]);
      assert.equal(broken.code, 1, broken.err);
      assert.match(
        broken.out,
        /is broken at row 2 \(entry 3\): entry 3 follows entry 1, so entry 2 was removed\.\n$/,
      );
      const json = await cli(["audit", "verify", ...login, "-o", "json"]);
      const result = JSON.parse(json.out) as { ok: boolean; entries: number; firstBad: { problem: string } };
      assert.deepEqual([result.ok, result.entries, result.firstBad.problem], [false, 1, "removed"]);
    } finally {
      await scratch.cleanup();
    }
  });

  it("exits 2, naming the database without its password, when it cannot be reached", async () => {
    const db = await createAuditDatabase();
    const url = `postgresql://${db.role}@127.0.0.1:1/${db.database}`;
    const result = await cli(["audit", "verify", "--database-url", url]);
    assert.equal(result.code, 2);
    assert.match(
      result.err,
      /cannot read the audit database postgresql:\/\/stagegate_[0-9a-f]+@127\.0\.0\.1:1\//,
    );
  });
});
