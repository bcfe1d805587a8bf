// Retention policies and the purge and hold verbs' bad input: each row a value and what is said about it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RetentionPolicy, expiryCutoff } from "../../../src/audit/retention/policy.js";
import { runOfflineCli } from "../../support/offline-cli.js";

const cli = runOfflineCli;

const NOW = new Date("2033-03-01T12:00:00Z");

describe("retention periods", () => {
  const rows: { period: string; cutoff: string | undefined }[] = [
    { period: "forever", cutoff: undefined },
    { period: "7y", cutoff: "2026-03-01T12:00:00.000Z" },
    { period: "1y", cutoff: "2032-03-01T12:00:00.000Z" },
    { period: "90d", cutoff: "2032-12-01T12:00:00.000Z" },
    { period: "2160h", cutoff: "2032-12-01T12:00:00.000Z" },
  ];
  for (const { period, cutoff } of rows) {
    it(`${period} expires records before ${cutoff ?? "never"}`, () => {
      assert.equal(expiryCutoff(period, NOW)?.toISOString(), cutoff);
    });
  }

  it("keeps every class forever unless the platform team sets a period", () => {
    assert.deepEqual(RetentionPolicy.parse({}), {
      auditEntries: "forever",
      releases: "forever",
      changes: "forever",
      tasks: "forever",
    });
  });

  for (const bad of ["", "0y", "7 years", "-1d", "1000y", "7Y", "soon"]) {
    it(`refuses the period ${JSON.stringify(bad)}, naming the forms it takes`, () => {
      const parsed = RetentionPolicy.safeParse({ changes: bad });
      assert.equal(parsed.success, false);
      assert.deepEqual(parsed.error?.issues[0]?.path, ["changes"]);
      assert.match(
        parsed.error?.issues[0]?.message ?? "",
        /must be forever, a number of years or days such as 7y/,
      );
    });
  }

  it("refuses a class it does not know", () => {
    assert.equal(RetentionPolicy.safeParse({ tickets: "7y" }).success, false);
  });
});

describe("stagegate audit purge and audit hold: bad input", () => {
  const db = ["--database-url", "postgresql://purge@db.example/stagegate"];
  const cases: { argv: string[]; error: RegExp }[] = [
    {
      argv: ["audit", "purge"],
      error: /--database-url is required: the PostgreSQL audit store, as the purge role/,
    },
    {
      argv: ["audit", "purge", ...db, "--changes", "7 years"],
      error: /--changes must be forever, a number of years/,
    },
    { argv: ["audit", "purge", ...db, "--audit-entries", "0d"], error: /--audit-entries must be forever/ },
    { argv: ["audit", "purge", ...db, "--tasks"], error: /--tasks needs a value/ },
    { argv: ["audit", "purge", ...db, "--dry-run=yes"], error: /--dry-run takes no value/ },
    {
      argv: ["audit", "purge", "--database-url", "postgresql://u:pw@db/x"],
      error: /must not hold a password/,
    },
    {
      argv: ["audit", "hold", "set", "Case 1", "--reason", "x", ...db],
      error: /the hold's NAME must be lower-case/,
    },
    { argv: ["audit", "hold", "set", "case-1", ...db], error: /--reason is required to set a hold/ },
    { argv: ["audit", "hold", "remove", "case-1", ...db], error: /say set, lift or list/ },
    {
      argv: ["audit", "hold", "set", "case-1", "--reason", "x", "--class", "tickets", ...db],
      error: /--class must be auditEntries, releases, changes or tasks/,
    },
    {
      argv: ["audit", "hold", "lift", "case-1", "--reason", "x", "-n", "payments", ...db],
      error: /a hold is lifted whole/,
    },
    {
      argv: ["audit", "setup-database", ...db, "--operator-role", "stagegate", "--purge-role", "stagegate"],
      error: /--purge-role must not be the --operator-role/,
    },
  ];
  for (const { argv, error } of cases) {
    it(`refuses ${argv
      .filter((a) => !a.startsWith("postgresql://"))
      .slice(1)
      .join(" ")}`, async () => {
      const result = await cli(argv);
      assert.equal(result.code, 2, result.err);
      assert.match(result.err, error);
    });
  }
});
