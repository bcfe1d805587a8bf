// `stagegate audit export` merging a replica's file trail with the PostgreSQL store (a real server on loopback,
// read as the operator's least-privileged role), each entry with its source, ordered by time.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { PostgresAuditRecorder } from "../../../src/audit/postgres/recorder.js";
import { AuditTrail } from "../../../src/audit/trail.js";
import { createAuditDatabase, databaseUrl } from "../../support/postgres.js";
import { makeScratch, sampleEvent } from "../../unit/audit/audit-fixtures.js";
import { runOfflineCli } from "../../support/offline-cli.js";

const cli = runOfflineCli;

describe("stagegate audit export on PostgreSQL", () => {
  it("merges the database's chain and a file trail by time, marks each entry's source, and verifies both", async () => {
    const db = await createAuditDatabase();
    const scratch = await makeScratch();
    try {
      const recorder = await PostgresAuditRecorder.open({ connection: { url: db.operatorUrl } });
      try {
        for (let i = 1; i <= 3; i++) await recorder.record(sampleEvent(i));
      } finally {
        await recorder.close();
      }
      // A file trail whose one entry falls after the database's (written now, after them).
      const file = path.join(scratch.dir, "audit.jsonl");
      const trail = await AuditTrail.open({ path: file, clock: () => new Date(Date.now() + 60_000) });
      await trail.record(sampleEvent(4));
      await trail.close();
      const passwordFile = path.join(scratch.dir, "pw");
      await writeFile(passwordFile, `${db.rolePassword}\n`, { mode: 0o600 });
      const url = databaseUrl(db.server, db.database, db.role, "").replace(":@", "@");

      const { code, out, err } = await cli([
        "audit",
        "export",
        file,
        "--database-url",
        url,
        "--password-file",
        passwordFile,
      ]);
      assert.equal(code, 0, err);
      const lines = out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { source: string; verified: boolean; actor: string });
      assert.deepEqual(
        lines.map((l) => l.actor),
        ["approver-1", "approver-2", "approver-3", "approver-4"],
      );
      assert.ok(
        lines
          .slice(0, 3)
          .every((l) => l.source.startsWith("postgresql://") && !l.source.includes(db.rolePassword)),
      );
      assert.equal(lines[3]?.source, file);
      assert.ok(lines.every((l) => l.verified));
      assert.match(err, /stagegate_audit\.entries|postgresql:\/\/.* is intact: 3 entries/);
      assert.match(err, /Exported 4 entries from 2 trails/);
    } finally {
      await scratch.cleanup();
    }
  });
});
