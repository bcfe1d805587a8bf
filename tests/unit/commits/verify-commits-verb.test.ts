import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { UsageError } from "../../../src/cli/errors.js";
import { formatCheck, reportCheck, verifyCommitsVerb } from "../../../src/cli/verbs/verify-commits.js";
import { checkCommits, compileWorkItemPattern, type CommitRecord } from "../../../src/commits/work-items.js";

const ENV = { HOME: "/home/ann" };

describe("stagegate verify-commits: parsing", () => {
  it("defaults the pattern, the repository and merge checking", () => {
    const options = verifyCommitsVerb.parse(["main..topic"], ENV);
    assert.deepEqual(
      [options.range, options.pattern, options.repo, options.skipMerges, options.output],
      ["main..topic", "[A-Z][A-Z0-9]+-[0-9]+", ".", false, "text"],
    );
  });

  it("reads --pattern, --repo, --skip-merges and -o json", () => {
    const options = verifyCommitsVerb.parse(
      ["a..b", "--pattern", "OPS-[0-9]+", "--repo=/src/app", "--skip-merges", "-o", "json"],
      ENV,
    );
    assert.deepEqual(
      [options.pattern, options.repo, options.skipMerges, options.output],
      ["OPS-[0-9]+", "/src/app", true, "json"],
    );
  });

  const refusals: { situation: string; argv: string[]; message: RegExp }[] = [
    { situation: "no RANGE", argv: [], message: /missing RANGE/ },
    { situation: "two ranges", argv: ["a..b", "c..d"], message: /unexpected argument "c\.\.d"/ },
    {
      situation: "an invalid regex",
      argv: ["a..b", "--pattern", "[A-Z"],
      message: /^--pattern "\[A-Z" is not a usable/,
    },
    {
      situation: "an empty pattern",
      argv: ["a..b", "--pattern", ""],
      message: /^--pattern must not be empty/,
    },
    {
      situation: "a pattern matching nothing at all",
      argv: ["a..b", "--pattern", "x*"],
      message: /matches the empty string/,
    },
    { situation: "an empty --repo", argv: ["a..b", "--repo", ""], message: /^--repo must name a directory/ },
    {
      situation: "a range that looks like a flag",
      argv: ["--", "--all"],
      message: /^RANGE must be a revision range/,
    },
    { situation: "an unknown flag", argv: ["a..b", "--no-merges"], message: /unknown flag --no-merges/ },
  ];
  for (const row of refusals) {
    it(`refuses ${row.situation}, naming the flag or argument`, () => {
      assert.throws(
        () => verifyCommitsVerb.parse(row.argv, ENV),
        (err: unknown) => err instanceof UsageError && row.message.test(err.message),
      );
    });
  }
});

describe("stagegate verify-commits: reports", () => {
  const commits: CommitRecord[] = [
    {
      sha: "1".repeat(40),
      shortSha: "1111111",
      author: "Ann",
      email: "ann@x",
      subject: "PAY-1 Add",
      body: "",
      merge: false,
    },
    {
      sha: "2".repeat(40),
      shortSha: "2222222",
      author: "Bob",
      email: "bob@x",
      subject: "Fix typo",
      body: "",
      merge: false,
    },
  ];
  const options = verifyCommitsVerb.parse(["a..b"], ENV);
  const check = checkCommits(commits, {
    pattern: compileWorkItemPattern(options.pattern),
    skipMerges: false,
  });

  it("names each failing commit by short sha, subject and author in text", () => {
    const text = formatCheck(options, check);
    assert.match(text, /^1 of 2 commits in a\.\.b \(pattern .*\) reference no work item:$/m);
    assert.match(text, /^ {2}2222222 {2}Fix typo {2}\(Bob <bob@x>\)$/m);
    assert.doesNotMatch(text, /1111111/);
  });

  it("lists every commit with its items when none is missing", () => {
    const passing = checkCommits(commits.slice(0, 1), {
      pattern: compileWorkItemPattern(options.pattern),
      skipMerges: false,
    });
    assert.equal(
      formatCheck(options, passing),
      "All 1 commit in a..b (pattern [A-Z][A-Z0-9]+-[0-9]+) reference a work item:\n  1111111  PAY-1  PAY-1 Add\n",
    );
  });

  it("builds the JSON document with range, pattern, commits and missing shas", () => {
    const report = reportCheck(options, check);
    assert.deepEqual(
      { range: report.range, pattern: report.pattern, missing: report.missing },
      { range: "a..b", pattern: "[A-Z][A-Z0-9]+-[0-9]+", missing: ["2".repeat(40)] },
    );
    assert.deepEqual(report.commits[0], {
      sha: "1".repeat(40),
      author: "Ann <ann@x>",
      subject: "PAY-1 Add",
      items: ["PAY-1"],
      merge: false,
      skipped: false,
    });
  });
});
