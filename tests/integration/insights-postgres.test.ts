// `stagegate retro` and `stagegate insights failures` over the PostgreSQL audit store (a real server on loopback,
// read as the operator's least-privileged role): the month recorded by the real PostgresAuditRecorder, the verbs
// reading it exactly as `stagegate audit export` does, the table left as it was; and a forged row a superuser
// inserted (the append-only trigger switched off) named at the top and counted for nothing.
import assert from "node:assert/strict";

import { after, before, describe, it } from "node:test";
import { PostgresAuditRecorder } from "../../src/audit/postgres/recorder.js";
import { runCli } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/verb.js";
import {
  createAuditDatabase,
  type AuditDatabase,
  passwordFileLogin,
  entriesDigest,
} from "../support/postgres.js";
import { makeScratch } from "../unit/audit/audit-fixtures.js";
import { monthStory, RETRO_RELEASE } from "./insights-story.js";

const NOVEMBER = ["--since", "2026-11-01T00:00:00Z", "--until", "2026-12-01T00:00:00Z"];

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io: CliIo = {
    stdout: (text) => void (out += text),
    stderr: (text) => void (err += text),
    connect: () => Promise.reject(new Error("the insights need no cluster")),
    now: () => new Date("2026-12-06T12:00:00Z"),
  };
  return { code: await runCli(argv, {}, io, []), out, err };
}

interface FailuresJson {
  promotions: number;
  failures: { failures: number };
  patterns: { pattern: string; with: { promotions: number; failures: number }; verdict: string }[];
  unvouchedEntries: number;
}

describe("stagegate retro and insights failures on PostgreSQL", () => {
  let db: AuditDatabase;
  let scratch: { dir: string; cleanup: () => Promise<void> };
  let login: string[] = [];

  before(async () => {
    db = await createAuditDatabase();
    scratch = await makeScratch();
    let now = new Date(0);
    const recorder = await PostgresAuditRecorder.open({
      connection: { url: db.operatorUrl },
      clock: () => now,
    });
    try {
      for (const { time, event } of monthStory("payments")) {
        now = new Date(time);
        await recorder.record(event);
      }
    } finally {
      await recorder.close();
    }
    login = await passwordFileLogin(db, scratch.dir);
  });

  after(() => scratch?.cleanup());

  const table = () => entriesDigest(db);

  it("reads the store as the export does: the retrospective and the patterns, the table left as it was", async () => {
    const before = await table();
    const retro = await cli(["retro", RETRO_RELEASE, "-n", "payments", ...login]);
    assert.equal(retro.code, 0, retro.err);
    assert.match(retro.out, /Chain verified: the trail is intact/);
    assert.match(retro.out, /approved 3 min before the deploy by carol — did the approvers have the time/);
    assert.match(retro.err, /stagegate_audit\.entries in postgresql:\/\/.* is intact/);
    assert.ok(!retro.err.includes(db.rolePassword));

    const failures = await cli(["insights", "failures", ...login, ...NOVEMBER, "-o", "json"]);
    assert.equal(failures.code, 0, failures.err);
    const analysis = JSON.parse(failures.out) as FailuresJson;
    assert.equal(analysis.promotions, 26);
    const late = analysis.patterns.find((p) => p.pattern === "lateApproval");
    assert.deepEqual([late?.with.promotions, late?.with.failures, late?.verdict], [13, 10, "higher"]);
    assert.deepEqual(await table(), before);
  });

  it("names a store with a forged row and counts the forged failure for nothing", async () => {
    const honest = JSON.parse(
      (await cli(["insights", "failures", ...login, ...NOVEMBER, "-o", "json"])).out,
    ) as FailuresJson;
    // mallory, a superuser, appends a failure for calm-3 with a made-up hash.
    await db.asAdmin("ALTER TABLE stagegate_audit.entries DISABLE TRIGGER USER");
    await db.asAdmin(
      `INSERT INTO stagegate_audit.entries
         (seq, time, actor, action, object_kind, object_namespace, object_name, prev_hash, hash, entry)
       SELECT seq + 1, '2026-11-16T10:30:00Z', 'stagegate-operator', 'EnvironmentFailed', 'Release', 'payments',
         'calm-3', hash, repeat('a', 64), json_build_object(
         'seq', seq + 1, 'time', '2026-11-16T10:30:00.000Z', 'actor', 'stagegate-operator',
         'action', 'EnvironmentFailed',
         'object', json_build_object('kind', 'Release', 'namespace', 'payments', 'name', 'calm-3'),
         'details', json_build_object('environment', 'prod', 'reasons', json_build_array('forged')),
         'prevHash', hash, 'hash', repeat('a', 64))
       FROM stagegate_audit.entries ORDER BY seq DESC LIMIT 1`,
    );
    await db.asAdmin("ALTER TABLE stagegate_audit.entries ENABLE TRIGGER USER");
    const attacked = await cli(["insights", "failures", ...login, ...NOVEMBER, "-o", "json"]);
    assert.equal(attacked.code, 1, attacked.err);
    const analysis = JSON.parse(attacked.out) as FailuresJson;
    assert.equal(analysis.unvouchedEntries, 1);
    assert.deepEqual(analysis.patterns, honest.patterns);
    assert.equal(analysis.failures.failures, honest.failures.failures);
    const retro = await cli(["retro", "calm-3", "-n", "payments", ...login]);
    assert.equal(retro.code, 1, retro.err);
    assert.match(
      retro.out,
      /^# Retrospective of release payments\/calm-3\n\n\*\*CHAIN BROKEN: the audit trail stagegate\\_audit\.entries/,
    );
    assert.match(retro.out, /## What failed, and why\n\n_Nothing failed\._/);
  });
});
