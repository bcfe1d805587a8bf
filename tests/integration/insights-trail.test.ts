// `stagegate retro` and `stagegate insights failures` end to end, the CLI as its own process, over a month of
// promotions written by the real AuditTrail as the operator records them: the retrospective in Markdown and HTML, the
// failure patterns as JSON, CSV and a table, a forged line appended to the trail named at the top and counted for
// nothing, bad input refused with exit 2, and the trail left exactly as it was.
import assert from "node:assert/strict";
import { copyFile, readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { AuditTrail } from "../../src/audit/trail.js";
import { fileDigest } from "../support/report-trail.js";
import { runStagegate, type CliResult } from "../support/run-stagegate.js";
import { makeScratch, readLines, reseal, writeLines } from "../unit/audit/audit-fixtures.js";
import type { AuditEntry } from "../../src/audit/entry.js";
import { HOSTILE, monthStory, RETRO_RELEASE, revisionOf } from "./insights-story.js";

const NS = "payments";
const NOVEMBER = ["--since", "2026-11-01T00:00:00Z", "--until", "2026-12-01T00:00:00Z"];

interface PatternJson {
  pattern: string;
  with: { promotions: number; failures: number; interval: { low: number; high: number } | null };
  without: { promotions: number; failures: number };
  verdict: string;
}

interface FailuresJson {
  trails: { name: string; verified: boolean }[];
  promotions: number;
  failures: { failures: number };
  patterns: PatternJson[];
  unvouchedEntries: number;
}

describe("stagegate retro and insights failures over a file trail", () => {
  let scratch: { dir: string; cleanup: () => Promise<void> };
  let trail: string;
  let digest: string;

  const stagegate = (args: string[]): Promise<CliResult> =>
    runStagegate(args, { env: { PATH: process.env.PATH, HOME: scratch.dir } });

  before(async () => {
    scratch = await makeScratch();
    trail = path.join(scratch.dir, "audit-0.jsonl");
    let now = new Date(0);
    const recorder = await AuditTrail.open({ path: trail, clock: () => now });
    try {
      for (const { time, event } of monthStory(NS)) {
        now = new Date(time);
        await recorder.record(event);
      }
    } finally {
      await recorder.close();
    }
    digest = await fileDigest(trail);
  });

  after(() => scratch?.cleanup());

  it("writes the release's retrospective: where it waited, what failed, the health measured, and questions", async () => {
    const result = await stagegate(["retro", RETRO_RELEASE, "-n", NS, trail, "--usual-hours", "08-18"]);
    assert.equal(result.code, 0, result.stderr);
    const md = result.stdout;
    assert.match(
      md,
      /^# Retrospective of release payments\/shop-1-4-0\n\nChain verified: the trail is intact\./,
    );
    assert.match(
      md,
      /- In prod, change shop-1-4-0-prod was approved 3 min before the deploy by carol — did the approvers have the time and the facts to review it\?/,
    );
    assert.match(
      md,
      /- prod was rolled back \(check error-rate: error-rate measured 0\.31, above the threshold 0\.05\.\)/,
    );
    assert.match(md, /- The rollback in prod took 8 min from alert HighErrorRate firing to completion/);
    assert.match(
      md,
      /\| approvals \| 2026-11-28T15:00:00.000Z \| 2026-11-28T15:27:00Z \| 27 min \| ChangeRequested to ChangeApproved \|/,
    );
    assert.match(md, /\| checks \| 2026-11-28T15:00:00.000Z \| 2026-11-28T15:05:00Z \| 5 min \|/);
    // What the gate itself recorded it waited on (GateWaitChanged), and the question the window raises.
    assert.match(
      md,
      /\| gate window \| 2026-11-28T15:27:00.000Z \| 2026-11-28T15:30:00.000Z \| 3 min \| GateWaitChanged: the gate waited on window \(OutsideWindow\) \|/,
    );
    assert.match(md, /\| gate checks \| 2026-11-28T15:00:00.000Z \| 2026-11-28T15:27:00.000Z \| 27 min \|/);
    assert.match(
      md,
      /30 min to the gate, of which 0 s is explained by no recorded check, approval or gate wait/,
    );
    assert.match(
      md,
      /- prod waited 3 min on a closed window \(OutsideWindow\) — was the release planned against/,
    );
    assert.match(
      md,
      /\| verifying \| 2026-11-28T15:32:00.000Z \| 2026-11-28T15:40:00.000Z \| 8 min \| EnvironmentDeployed to VerificationFailed \|/,
    );
    assert.match(md, /baselines at 2026-11-28T15:33:00Z: error-rate = 0\.012/);
    assert.match(md, /\| HighErrorRate \| prod \| 2026-11-28T15:41:30Z \| 2026-11-28T16:09:30Z \|/);
    assert.match(md, /completed \(Passed\): The target runs 1a1a1a1d/);
    assert.ok(!md.includes("<script>"), "record text reached the Markdown unescaped");
    assert.match(result.stderr, /audit-0\.jsonl is intact/);
  });

  it("writes the retrospective as HTML through its template, the record's markup escaped", async () => {
    const out = path.join(scratch.dir, "retro.html");
    const result = await stagegate(["retro", RETRO_RELEASE, "-n", NS, trail, "--format", "html", "-o", out]);
    assert.equal(result.code, 0, result.stderr);
    const html = await readFile(out, "utf8");
    assert.ok(!html.includes(HOSTILE));
    assert.match(html, /Looks fine &lt;script&gt;/);
    assert.match(html, /<div class="intact" id="chain-headline">Chain verified/);
    assert.match(
      html,
      /change shop-1-4-0-prod was approved 3 min before the deploy by carol — did the approvers have the time/,
    );
  });

  it("counts failure patterns against the baseline with Wilson intervals, and no claim from small groups", async () => {
    const result = await stagegate(["insights", "failures", trail, ...NOVEMBER, "-o", "json"]);
    assert.equal(result.code, 0, result.stderr);
    const analysis = JSON.parse(result.stdout) as FailuresJson;
    // 24 releases to prod, and shop-1-4-0 to staging and prod.
    assert.equal(analysis.promotions, 26);
    assert.equal(analysis.failures.failures, 11);
    const late = analysis.patterns.find((p) => p.pattern === "lateApproval");
    assert.equal(late?.with.promotions, 13);
    assert.equal(late?.with.failures, 10);
    assert.equal(late?.without.promotions, 13);
    assert.equal(late?.without.failures, 1);
    assert.equal(late?.verdict, "higher");
    assert.ok(late.with.interval !== null && Math.abs(late.with.interval.low - 0.4974) < 1e-3);
    assert.equal(analysis.patterns.find((p) => p.pattern === "emergency")?.verdict, "not enough data");
    assert.equal(analysis.unvouchedEntries, 0);
  });

  it("filters by recorded dimensions; promotions that recorded none match no required label", async () => {
    const payments = await stagegate([
      "insights",
      "failures",
      trail,
      ...NOVEMBER,
      "-l",
      "team=payments",
      "-o",
      "json",
    ]);
    assert.equal(payments.code, 0, payments.stderr);
    assert.equal((JSON.parse(payments.stdout) as FailuresJson).promotions, 12);
    const others = await stagegate([
      "insights",
      "failures",
      trail,
      ...NOVEMBER,
      "-l",
      "team!=payments",
      "-o",
      "json",
    ]);
    assert.equal((JSON.parse(others.stdout) as FailuresJson).promotions, 14);
  });

  it("writes CSV and a table", async () => {
    const csv = await stagegate(["insights", "failures", trail, ...NOVEMBER, "-o", "csv"]);
    assert.equal(csv.code, 0, csv.stderr);
    const rows = csv.stdout.trimEnd().split("\n");
    assert.equal(
      rows[0],
      "pattern,promotions_with,failures_with,rate_with,ci_low_with,ci_high_with,promotions_without,failures_without,rate_without,ci_low_without,ci_high_without,verdict,not_judged",
    );
    assert.equal(rows.length, 8);
    assert.match(
      csv.stdout,
      /^lateApproval,13,10,0\.7692,0\.4974,0\.9182,13,1,0\.0769,0\.0137,0\.3331,higher,0$/m,
    );
    const table = await stagegate(["insights", "failures", trail, ...NOVEMBER, "--usual-hours", "08-18"]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(
      table.stdout,
      /lateApproval\s+13\s+10\s+76\.9% \(95% CI 49\.7%-91\.8%\)\s+13\s+1\s+7\.7% .* higher/,
    );
    assert.match(
      table.stdout,
      /Large change set: not judged: no promotion in the window has a recorded change set size/,
    );
    assert.match(
      csv.stdout,
      /^largeChangeSet,0,0,,,,0,0,,,,not enough data,26$/m,
      "no size recorded: none judged",
    );
  });

  it("names a trail with a forged line at the top and counts the forged failure for nothing", async () => {
    const forged = path.join(scratch.dir, "forged.jsonl");
    await copyFile(trail, forged);
    const lines = await readLines(forged);
    const last = JSON.parse(lines.at(-1) ?? "{}") as AuditEntry;
    // mallory appends an EnvironmentFailed for a calm release, chained to the last entry but sealed by no one.
    const fake: AuditEntry = {
      ...last,
      seq: last.seq + 1,
      time: "2026-11-20T10:30:00.000Z",
      action: "EnvironmentFailed",
      actor: "stagegate-operator",
      object: { kind: "Release", namespace: NS, name: "calm-7" },
      details: { environment: "prod", revision: revisionOf("calm-7"), reasons: ["forged"] },
      prevHash: last.hash,
    };
    const sealed = JSON.parse(reseal(fake)) as AuditEntry;
    await writeLines(forged, [
      ...lines,
      JSON.stringify({ ...sealed, details: { ...sealed.details, reasons: ["forged!"] } }),
    ]);

    const honest = JSON.parse(
      (await stagegate(["insights", "failures", trail, ...NOVEMBER, "-o", "json"])).stdout,
    ) as FailuresJson;
    const result = await stagegate(["insights", "failures", forged, ...NOVEMBER, "-o", "json"]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /forged\.jsonl/);
    const attacked = JSON.parse(result.stdout) as FailuresJson;
    assert.equal(attacked.trails[0]?.verified, false);
    assert.equal(attacked.unvouchedEntries, 1);
    assert.deepEqual(attacked.patterns, honest.patterns);
    assert.equal(attacked.failures.failures, honest.failures.failures);

    const table = await stagegate(["insights", "failures", forged, ...NOVEMBER]);
    assert.match(table.stdout, /^WARNING: .*forged\.jsonl/);

    const retro = await stagegate(["retro", "calm-7", "-n", NS, forged]);
    assert.equal(retro.code, 1, retro.stderr);
    assert.match(
      retro.stdout,
      /^# Retrospective of release payments\/calm-7\n\n\*\*CHAIN BROKEN: the audit trail .*forged\.jsonl did not verify/,
    );
    assert.match(
      retro.stdout,
      /\| failed \| stagegate-operator \| NOT VOUCHED FOR BY THE CHAIN: environment: prod/,
    );
    assert.match(retro.stdout, /## What failed, and why\n\n_Nothing failed\._/);
  });

  it("refuses bad input with exit 2, naming the flag or the field and the fix", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["retro", "no-such-release", "-n", NS, trail],
        /RELEASE no-such-release in namespace payments has no entry in the trails read; check the name and -n/,
      ],
      [["retro", RETRO_RELEASE, trail], /name the Release's namespace with -n NAMESPACE/],
      [["retro", RETRO_RELEASE, "-n", NS, trail, "--format", "pdf"], /--format must be markdown or html/],
      [
        ["retro", RETRO_RELEASE, "-n", NS, trail, "-o", trail],
        /is one of the trails read: retro never writes over the record/,
      ],
      [
        ["insights", "failures", trail, ...NOVEMBER, "-l", "colour=blue"],
        /-l: "colour" is not a dimension label; select by stagegate.io\/team/,
      ],
      [
        ["insights", "failures", trail, ...NOVEMBER, "--usual-hours", "8to6"],
        /--usual-hours "8to6" is not a range of hours; write START-END/,
      ],
      [
        ["insights", "failures", trail, ...NOVEMBER, "--time-zone", "Mars/Base"],
        /--time-zone "Mars\/Base" is not a time zone/,
      ],
      [
        ["insights", "failures", trail, "--until", "2026-12-01T00:00:00Z"],
        /--since is required: an RFC 3339 time/,
      ],
      [["insights", "failures", trail, ...NOVEMBER, "-o", "yaml"], /-o\/--output must be table, json or csv/],
      [
        ["insights", "failures", trail, ...NOVEMBER, "--late-within", "soon"],
        /--late-within "soon" is not a duration/,
      ],
      [
        ["insights", "failures", trail, ...NOVEMBER, "--large-change", "0"],
        /--large-change must be a whole number of commits, at least 1/,
      ],
      [["insights", "failures", ...NOVEMBER], /name the trails to read/],
    ];
    for (const [args, message] of cases) {
      const result = await stagegate(args);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(" "));
    }
  });

  it("left the trail exactly as it was", async () => {
    assert.equal(await fileDigest(trail), digest);
  });
});
