import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import pg from "pg";
import { poolConfig } from "../../../src/audit/postgres/connection.js";
import { PostgresAuditRecorder } from "../../../src/audit/postgres/recorder.js";
import { openAuditStore } from "../../../src/cmd/audit-store.js";
import { ConfigError } from "../../../src/cmd/config.js";
import type { EventRecorder } from "../../../src/runtime/events.js";
import { createLogger } from "../../../src/runtime/logging.js";
import { createAuditDatabase, databaseUrl } from "../../support/postgres.js";

// Opening the store records nothing, so no Event is ever mirrored here.
const noEvents = {} as EventRecorder;

/** A logger whose JSON lines the test can read. */
function capturedLogger() {
  const out = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  out.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim() !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  return { log: createLogger("info", out), lines };
}

const unusedFile = path.join(tmpdir(), `stagegate-unused-${randomBytes(4).toString("hex")}`, "audit.jsonl");
const config = (auditDatabaseUrl: string | undefined) => ({
  auditLog: unusedFile,
  auditDatabaseUrl,
  auditDatabasePasswordFile: undefined,
});

describe("the operator opening the PostgreSQL audit store at start", () => {
  it("opens the database instead of the file, and logs it without the password", async () => {
    const db = await createAuditDatabase();
    const { log, lines } = capturedLogger();
    const store = await openAuditStore(config(db.operatorUrl), noEvents, log, () => {});
    try {
      assert.ok(store instanceof PostgresAuditRecorder);
      assert.equal(existsSync(unusedFile), false, "--audit-log is not written");
    } finally {
      await store.close();
    }
    await new Promise((resolve) => setImmediate(resolve));
    const opened = lines.find((line) => line.msg === "Opened the audit store");
    assert.equal(opened?.store, "postgresql");
    assert.match(
      String(opened?.database),
      /^postgresql:\/\/stagegate_[0-9a-f]+:\*\*\*@127\.0\.0\.1:\d+\/audit_/,
    );
    assert.ok(!JSON.stringify(lines).includes(db.rolePassword), "the password is in no log line");
  });

  it("refuses to start, naming the flags, when the database cannot be reached or was not set up", async () => {
    const db = await createAuditDatabase();
    const { log } = capturedLogger();
    const unreachable = databaseUrl(db.server, db.database, db.role, db.rolePassword).replace(
      `:${db.server.port}/`,
      ":1/",
    );
    await assert.rejects(
      openAuditStore(config(unreachable), noEvents, log, () => {}),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(
          err.message,
          /cannot open the audit database postgresql:\/\/stagegate_[0-9a-f]+:\*\*\*@/,
        );
        assert.match(err.message, /Check --audit-database-url and --audit-database-password-file\.$/);
        assert.ok(!err.message.includes(db.rolePassword));
        return true;
      },
    );
    await db.asAdmin("DROP SCHEMA stagegate_audit CASCADE");
    await assert.rejects(
      openAuditStore(config(db.operatorUrl), noEvents, log, () => {}),
      /has no Stagegate audit schema; set it up first with `stagegate audit setup-database/,
    );
  });

  it("reads the password file for every new connection, so a rotated password needs no restart", async () => {
    const db = await createAuditDatabase();
    const dir = await mkdtemp(path.join(tmpdir(), "stagegate-password-"));
    const file = path.join(dir, "password");
    await writeFile(file, `${db.rolePassword}\n`, { mode: 0o600 });
    const url = databaseUrl(db.server, db.database, db.role, "").replace(":@", "@");
    const pool = new pg.Pool(await poolConfig({ url, passwordFile: file }));
    try {
      const before = await pool.connect();
      try {
        const rotated = randomBytes(12).toString("hex");
        await db.asAdmin(`ALTER ROLE ${db.role} PASSWORD '${rotated}'`);
        await writeFile(file, `${rotated}\n`);
        // The first connection is still checked out, so this one is new and logs in with the rotated password.
        const after = await pool.connect();
        try {
          const [who] = (await after.query<{ user: string }>("SELECT current_user AS user")).rows;
          assert.equal(who?.user, db.role);
        } finally {
          after.release();
        }
      } finally {
        before.release();
      }
    } finally {
      await pool.end();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
