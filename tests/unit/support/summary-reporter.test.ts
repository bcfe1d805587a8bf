import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { TestSummary } from "../../support/summary-reporter.js";

const reporter = fileURLToPath(new URL("../../support/summary-reporter.ts", import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), "stagegate-summary-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `source` as a test file under node:test with the summary reporter, and returns what it wrote. */
function summarise(source: string): TestSummary {
  const file = path.join(dir, "sample.test.mjs");
  const out = path.join(dir, "summary.json");
  writeFileSync(file, source);
  rmSync(out, { force: true });
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", "--test", `--test-reporter=${reporter}`, file],
    {
      // Without NODE_TEST_CONTEXT, which would make the child stream to this runner instead of its own reporter.
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, STAGEGATE_TEST_SUMMARY: out },
      encoding: "utf8",
    },
  );
  assert.notEqual(run.status, null, run.stderr);
  return JSON.parse(readFileSync(out, "utf8")) as TestSummary;
}

describe("the test summary reporter", () => {
  it("counts passes, skips and failures, and names each failure with the first line of its error", () => {
    const summary = summarise(
      [
        'import { it, describe } from "node:test";',
        'import assert from "node:assert/strict";',
        'describe("suite", () => {',
        '  it("passes", () => {});',
        '  it("is skipped", { skip: true }, () => {});',
        '  it("fails", () => { assert.equal(1, 2, "one is not two\\nsecond line"); });',
        '  it("throws", () => { throw new Error("Timed out waiting for the gate"); });',
        "});",
      ].join("\n"),
    );
    assert.deepEqual([summary.passed, summary.skipped, summary.failed], [1, 1, 2]);
    assert.deepEqual(
      summary.failures.map((f) => [f.name, f.reason]),
      [
        ["fails", "AssertionError: one is not two"],
        ["throws", "Error: Timed out waiting for the gate"],
      ],
    );
    assert.match(summary.failures[0]?.location ?? "", /sample\.test\.mjs:6$/);
  });

  it("counts a suite whose hook failed as a failure, though its tests passed", () => {
    const summary = summarise(
      [
        'import { it, describe, after } from "node:test";',
        'describe("suite with a broken hook", () => {',
        '  after(() => { throw new Error("could not stop the cluster"); });',
        '  it("passes", () => {});',
        "});",
      ].join("\n"),
    );
    assert.equal(summary.failed, 1);
    assert.deepEqual(
      summary.failures.map((f) => [f.name, f.reason]),
      [["suite with a broken hook", "Error: could not stop the cluster"]],
    );
  });

  it("adds up each file's top-level durations, keyed by the test file, not the module defining its tests", () => {
    writeFileSync(
      path.join(dir, "shared-suite.mjs"),
      'import { it } from "node:test";\nexport const shared = () => it("shared", () => {});\n',
    );
    const summary = summarise('import { shared } from "./shared-suite.mjs";\nshared();\n');
    assert.deepEqual(
      Object.keys(summary.fileSeconds).map((file) => path.basename(file)),
      ["sample.test.mjs"],
    );
  });

  it("adds up each file's top-level durations, keyed by the file", () => {
    const summary = summarise(
      [
        'import { it, describe } from "node:test";',
        'describe("suite", () => {',
        '  it("waits", async () => { await new Promise((resolve) => setTimeout(resolve, 200)); });',
        '  it("does not", () => {});',
        "});",
        'it("also waits", async () => { await new Promise((resolve) => setTimeout(resolve, 100)); });',
      ].join("\n"),
    );
    const entries = Object.entries(summary.fileSeconds);
    assert.equal(entries.length, 1);
    const [file, seconds] = entries[0] ?? ["", 0];
    assert.match(file, /sample\.test\.mjs$/);
    assert.ok(seconds >= 0.3, `${seconds} s is less than the 0.3 s the tests waited`);
  });
});
