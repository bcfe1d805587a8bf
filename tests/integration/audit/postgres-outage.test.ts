import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startPostgres, type StartedPostgres } from "../../../hack/postgres/index.js";
import type { AuditEntry } from "../../../src/audit/entry.js";
import { AuditTrailError } from "../../../src/audit/errors.js";
import { PostgresAuditRecorder } from "../../../src/audit/postgres/recorder.js";
import { verifyAuditDatabase } from "../../../src/audit/postgres/verify-table.js";
import { crashPostgres, createAuditDatabase, type AuditDatabase } from "../../support/postgres.js";
import { sampleEvent } from "../../unit/audit/audit-fixtures.js";

// This file stops and starts its database, so it runs a server of its own rather than the shared one.
describe("PostgreSQL audit store while the database is away", () => {
  let server: StartedPostgres | undefined;
  let db: AuditDatabase;
  before(async () => {
    server = await startPostgres();
    db = await createAuditDatabase(server);
  });
  after(() => server?.stop());

  it("rejects every record while the database is down, and continues the same chain once it is back", async () => {
    assert.ok(server !== undefined);
    const failures: unknown[] = [];
    const connectionErrors: unknown[] = [];
    const recorder = await PostgresAuditRecorder.open({
      connection: { url: db.operatorUrl },
      onWriteError: (err) => failures.push(err),
      onConnectionError: (err) => connectionErrors.push(err),
    });
    try {
      for (let i = 1; i <= 3; i++) await recorder.record(sampleEvent(i));

      await crashPostgres(server); // a crash: no goodbye to the connections in the pool
      for (const i of [4, 5]) {
        const error = await recorder.record(sampleEvent(i)).then(
          () => assert.fail(`entry for approver-${i} was accepted with the database down`),
          (err: unknown) => err,
        );
        assert.ok(error instanceof AuditTrailError, String(error));
        assert.match(error.message, /audit database postgresql:\/\/stagegate_[0-9a-f]+:\*\*\*@127\.0\.0\.1/);
        assert.ok(!error.message.includes(db.rolePassword), "the password is never in a message");
      }
      assert.equal(failures.length, 2, "each failed write is counted");

      await server.process.start();
      for (let i = 6; i <= 8; i++) await recorder.record(sampleEvent(i));
    } finally {
      await recorder.close();
    }
    const rows = await db.asAdmin<{ entry: string }>(
      "SELECT entry::text AS entry FROM stagegate_audit.entries ORDER BY seq",
    );
    const entries = rows.map((row) => JSON.parse(row.entry) as AuditEntry);
    assert.deepEqual(
      entries.map((e) => `${e.seq} ${e.actor}`),
      ["1 approver-1", "2 approver-2", "3 approver-3", "4 approver-6", "5 approver-7", "6 approver-8"],
      "nothing refused was half-written; the chain went on from entry 3",
    );
    assert.deepEqual(await verifyAuditDatabase({ url: db.operatorUrl }), { ok: true, entries: 6 });
  });
});
