// `stagegate audit report` over the PostgreSQL store (a real server on loopback, read as the operator's
// least-privileged role): the release's story recorded by the real PostgresAuditRecorder, printed to PDF by Debian's
// headless Chromium and read back with pdftotext; the table left exactly as it was; and a row a superuser rewrote
// (the append-only trigger switched off) said to break the chain.
import assert from "node:assert/strict";

import path from "node:path";
import { after, before, describe, it } from "node:test";
import { PostgresAuditRecorder } from "../../../src/audit/postgres/recorder.js";
import { runCli } from "../../../src/cli/main.js";
import type { CliIo } from "../../../src/cli/verb.js";
import {
  createAuditDatabase,
  type AuditDatabase,
  passwordFileLogin,
  entriesDigest,
} from "../../support/postgres.js";
import { releaseStory, storyNames } from "../../support/report-story.js";
import { pdfText, STORY_START } from "../../support/report-trail.js";
import { makeScratch } from "../../unit/audit/audit-fixtures.js";

async function cli(argv: string[]): Promise<{ code: number; err: string }> {
  let err = "";
  const io: CliIo = {
    stdout: () => undefined,
    stderr: (text) => void (err += text),
    connect: () => Promise.reject(new Error("the report needs no cluster without --public-key")),
    now: () => new Date(),
  };
  return { code: await runCli(argv, {}, io, []), err };
}

describe("stagegate audit report on PostgreSQL", () => {
  const names = storyNames("payments");
  let db: AuditDatabase;
  let scratch: { dir: string; cleanup: () => Promise<void> };
  let login: string[] = [];

  before(async () => {
    db = await createAuditDatabase();
    scratch = await makeScratch();
    let tick = 0;
    const recorder = await PostgresAuditRecorder.open({
      connection: { url: db.operatorUrl },
      clock: () => new Date(STORY_START + 1000 * tick++),
    });
    try {
      for (const event of releaseStory(names)) await recorder.record(event);
    } finally {
      await recorder.close();
    }
    login = await passwordFileLogin(db, scratch.dir);
  });

  after(() => scratch?.cleanup());

  const table = () => entriesDigest(db);

  it("prints a release's report from the database to PDF, and leaves the table as it was", async () => {
    const before = await table();
    const out = path.join(scratch.dir, "release.pdf");
    const { code, err } = await cli([
      "audit",
      "report",
      "release",
      names.release,
      "-n",
      "payments",
      ...login,
      "--format",
      "pdf",
      "-o",
      out,
    ]);
    assert.equal(code, 0, err);
    assert.match(err, /stagegate_audit\.entries in postgresql:\/\/.* is intact: 28 entries, chain verified/);
    assert.ok(!err.includes(db.rolePassword));
    const text = await pdfText(out);
    assert.match(text, /Release payments\/shop-1-4-0/);
    assert.match(text, /Chain verified: the trail is intact/);
    assert.match(text, /Approvers alice, carol/);
    assert.match(text, /Passed error-rate: 10 measurements/);
    assert.match(text, /completed \(Passed\)/);
    assert.deepEqual(await table(), before);
  });

  it("says the chain is broken when a superuser rewrote a row, and exits 1", async () => {
    await db.asAdmin("ALTER TABLE stagegate_audit.entries DISABLE TRIGGER USER");
    await db.asAdmin(
      `UPDATE stagegate_audit.entries SET entry = replace(entry::text, '"actor":"carol"', '"actor":"mallory"')::json WHERE entry->>'actor' = 'carol'`,
    );
    await db.asAdmin("ALTER TABLE stagegate_audit.entries ENABLE TRIGGER USER");
    const out = path.join(scratch.dir, "rewritten.pdf");
    const { code, err } = await cli([
      "audit",
      "report",
      "period",
      "--since",
      "2026-12-06T00:00:00Z",
      "--until",
      "2026-12-07T00:00:00Z",
      ...login,
      "--format",
      "pdf",
      "-o",
      out,
    ]);
    assert.equal(code, 1, err);
    const text = await pdfText(out);
    assert.match(
      text,
      /CHAIN BROKEN: the audit trail stagegate_audit\.entries in postgresql:\/\/.* did not verify/,
    );
    assert.match(text, /is broken at row 9 \(entry 9\)/);
  });
});
