import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { runStagegate, type CliResult } from "../../support/run-stagegate.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** A temp dir holding the fixture repository and an empty HOME, so no developer git config leaks in. */
const ROOT = mkdtempSync(path.join(tmpdir(), "stagegate-verify-commits-"));
const HOME = path.join(ROOT, "home");
const GIT_DIR = path.join(ROOT, "repo");
const ENV = { PATH: process.env.PATH, HOME, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" };

/** Runs git in the fixture repository as a fixed identity, returning its trimmed stdout. */
function git(...args: string[]): string {
  return execFileSync(
    "git",
    ["-C", GIT_DIR, "-c", "user.name=Ann Author", "-c", "user.email=ann@example.com", ...args],
    { env: ENV, encoding: "utf8" },
  ).trim();
}

function commit(message: string): string {
  git("commit", "--quiet", "--allow-empty", "-m", message);
  return git("rev-parse", "HEAD");
}

/** Runs `stagegate verify-commits ARGS` as its own process, as CI would. */
function verifyCommits(args: readonly string[], { cwd = REPO } = {}): Promise<CliResult> {
  return runStagegate(["verify-commits", ...args], { cwd, env: ENV });
}

const sha: Record<string, string> = {};
const short = (name: string): string => git("rev-parse", "--short", sha[name] ?? "");

describe("stagegate verify-commits against a real git repository", () => {
  before(() => {
    mkdirSync(HOME);
    mkdirSync(GIT_DIR);
    git("init", "--quiet", "--initial-branch=main");
    sha.initial = commit("Initial commit");
    git("tag", "base");
    sha.retries = commit("PAY-1 Add retries to the card gateway");
    sha.refactor = commit("Refactor the gateway client\n\nPart of OPS-2 and OPS-3.");
    git("tag", "referenced");
    sha.typo = commit("Fix typo in the README\n\nno ticket, pay-4 in lowercase does not count");
    git("tag", "with-missing");
    git("checkout", "--quiet", "-b", "topic");
    sha.topic = commit("OPS-5 Topic work");
    git("checkout", "--quiet", "main");
    sha.other = commit("PAY-6 Other work on main");
    git("merge", "--quiet", "--no-ff", "-m", "Merge branch 'topic'", "topic");
    sha.merge = git("rev-parse", "HEAD");
    git("tag", "merged");
  });

  after(() => rmSync(ROOT, { recursive: true, force: true }));

  it("exits 0 and lists each commit with its work items when every commit references one", async () => {
    const result = await verifyCommits(["base..referenced", "--repo", GIT_DIR]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^All 2 commits in base\.\.referenced \(pattern .+\) reference a work item:$/m,
    );
    assert.match(result.stdout, new RegExp(`^  ${short("retries")}  PAY-1  PAY-1 Add retries`, "m"));
    assert.match(
      result.stdout,
      new RegExp(`^  ${short("refactor")}  OPS-2, OPS-3  Refactor the gateway`, "m"),
    );
  });

  it("exits 1 and names the short sha and subject of the one commit without a reference", async () => {
    const result = await verifyCommits(["base..with-missing", "--repo", GIT_DIR]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /^1 of 3 commits in base\.\.with-missing .* reference no work item:$/m);
    assert.match(
      result.stdout,
      new RegExp(`^  ${short("typo")}  Fix typo in the README  \\(Ann Author`, "m"),
    );
    assert.doesNotMatch(result.stdout, new RegExp(short("retries")));
  });

  it("reads the current directory when --repo is not given", async () => {
    const result = await verifyCommits(["base..with-missing"], { cwd: GIT_DIR });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /Fix typo in the README/);
  });

  it("exits 2 naming the range and showing git's message when git does not know the range", async () => {
    const result = await verifyCommits(["base..no-such-branch", "--repo", GIT_DIR]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /RANGE base\.\.no-such-branch is not known to git/);
    assert.match(result.stderr, /fatal: bad revision 'base\.\.no-such-branch'/);
    assert.equal(result.stdout, "");
  });

  it("exits 2 naming --pattern when the pattern is not a regular expression", async () => {
    const result = await verifyCommits(["base..referenced", "--repo", GIT_DIR, "--pattern", "[A-Z"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--pattern "\[A-Z" is not a usable regular expression/);
  });

  it("exits 2 naming --repo when the directory is not a git repository", async () => {
    const result = await verifyCommits(["base..referenced", "--repo", HOME]);
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      new RegExp(`--repo ${HOME} is not a git repository: fatal: not a git repository`),
    );
  });

  it("checks a custom pattern instead of the default", async () => {
    const onlyOps = await verifyCommits(["base..referenced", "--repo", GIT_DIR, "--pattern", "OPS-[0-9]+"]);
    assert.equal(onlyOps.code, 1, onlyOps.stderr);
    assert.match(onlyOps.stdout, new RegExp(`^  ${short("retries")}  PAY-1 Add retries`, "m"));
    assert.doesNotMatch(onlyOps.stdout, /Refactor/);

    const lowercase = await verifyCommits([
      "referenced..with-missing",
      "--repo",
      GIT_DIR,
      "--pattern",
      "pay-[0-9]+",
    ]);
    assert.equal(lowercase.code, 0, lowercase.stderr);
    assert.match(lowercase.stdout, /pay-4 {2}Fix typo/);
  });

  it("prints range, pattern, commits with items and missing shas with -o json", async () => {
    const result = await verifyCommits(["base..with-missing", "--repo", GIT_DIR, "-o", "json"]);
    assert.equal(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout) as {
      range: string;
      pattern: string;
      commits: { sha: string; author: string; subject: string; items: string[] }[];
      missing: string[];
    };
    assert.equal(report.range, "base..with-missing");
    assert.equal(report.pattern, "[A-Z][A-Z0-9]+-[0-9]+");
    assert.deepEqual(
      report.commits.map((c) => [c.sha, c.subject, c.items]),
      [
        [sha.typo, "Fix typo in the README", []],
        [sha.refactor, "Refactor the gateway client", ["OPS-2", "OPS-3"]],
        [sha.retries, "PAY-1 Add retries to the card gateway", ["PAY-1"]],
      ],
    );
    assert.equal(report.commits[0]?.author, "Ann Author <ann@example.com>");
    assert.deepEqual(report.missing, [sha.typo]);
  });

  it("checks merge commits by default and exempts them with --skip-merges", async () => {
    const strict = await verifyCommits(["with-missing..merged", "--repo", GIT_DIR, "-o", "json"]);
    assert.equal(strict.code, 1, strict.stderr);
    assert.deepEqual((JSON.parse(strict.stdout) as { missing: string[] }).missing, [sha.merge]);

    const lenient = await verifyCommits(["with-missing..merged", "--repo", GIT_DIR, "--skip-merges"]);
    assert.equal(lenient.code, 0, lenient.stderr);
    assert.match(lenient.stdout, /^All 3 commits in with-missing\.\.merged/m);
    assert.match(
      lenient.stdout,
      new RegExp(`^  ${short("merge")}  \\(merge, skipped\\)  Merge branch 'topic'$`, "m"),
    );
  });
});
