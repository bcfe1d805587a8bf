import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_WORK_ITEM_PATTERN,
  checkCommits,
  compileWorkItemPattern,
  findWorkItems,
  type CommitRecord,
} from "../../../src/commits/work-items.js";

const DEFAULT = compileWorkItemPattern(DEFAULT_WORK_ITEM_PATTERN);

function commit(sha: string, subject: string, body = "", merge = false): CommitRecord {
  return { sha, shortSha: sha.slice(0, 7), author: "Ann", email: "ann@example.com", subject, body, merge };
}

describe("findWorkItems: which references a message names", () => {
  const rows: { situation: string; text: string; pattern?: string; items: string[] }[] = [
    { situation: "a key in the subject", text: "PAY-12 Fix card timeouts", items: ["PAY-12"] },
    { situation: "a key in the body", text: "Fix card timeouts\n\nRefs OPS-7.", items: ["OPS-7"] },
    { situation: "no key at all", text: "Fix typo\n\nNothing to see.", items: [] },
    {
      situation: "several keys, in order",
      text: "OPS-7 and PAY-12, see AB2-3",
      items: ["OPS-7", "PAY-12", "AB2-3"],
    },
    { situation: "the same key twice counts once", text: "PAY-12: part 2 of PAY-12", items: ["PAY-12"] },
    { situation: "lowercase keys do not match", text: "pay-12 fix", items: [] },
    { situation: "a one-letter project does not match", text: "A-1 fix", items: [] },
    { situation: "a key without a number does not match", text: "PAY- fix", items: [] },
    {
      situation: "a custom pattern, case-insensitive",
      text: "fix pay-12",
      pattern: "(?i:pay-[0-9]+)",
      items: ["pay-12"],
    },
    {
      situation: "a custom pattern for #issues",
      text: "Fix #42 and #7",
      pattern: "#[0-9]+",
      items: ["#42", "#7"],
    },
    {
      situation: "a custom pattern ignores the default shape",
      text: "PAY-12 only",
      pattern: "OPS-[0-9]+",
      items: [],
    },
  ];
  for (const row of rows) {
    it(`${row.situation}: ${JSON.stringify(row.items)}`, () => {
      const pattern = row.pattern === undefined ? DEFAULT : compileWorkItemPattern(row.pattern);
      assert.deepEqual(findWorkItems(row.text, pattern), row.items);
    });
  }

  it("is the same on a second call with the same global pattern (no lastIndex carried over)", () => {
    assert.deepEqual(findWorkItems("PAY-1", DEFAULT), ["PAY-1"]);
    assert.deepEqual(findWorkItems("PAY-1", DEFAULT), ["PAY-1"]);
  });

  it("accepts a pattern compiled without the g flag", () => {
    assert.deepEqual(findWorkItems("OPS-1 OPS-2", /OPS-[0-9]+/), ["OPS-1", "OPS-2"]);
  });

  it("rejects an invalid pattern with the engine's SyntaxError", () => {
    assert.throws(() => compileWorkItemPattern("[A-Z"), SyntaxError);
  });
});

describe("checkCommits: which commits are missing a work item", () => {
  const commits = [
    commit("aaaaaaaaa1", "PAY-1 Add retries"),
    commit("bbbbbbbbb2", "Fix typo"),
    commit("ccccccccc3", "Refactor", "Part of OPS-2 and OPS-3"),
    commit("ddddddddd4", "Merge branch 'topic'", "", true),
    commit("eeeeeeeee5", "Merge branch 'PAY-9-fix'", "", true),
  ];

  it("lists every commit with its items and the ones that name none, merges included by default", () => {
    const check = checkCommits(commits, { pattern: DEFAULT, skipMerges: false });
    assert.deepEqual(
      check.commits.map((c) => [c.commit.sha, c.items, c.skipped]),
      [
        ["aaaaaaaaa1", ["PAY-1"], false],
        ["bbbbbbbbb2", [], false],
        ["ccccccccc3", ["OPS-2", "OPS-3"], false],
        ["ddddddddd4", [], false],
        ["eeeeeeeee5", ["PAY-9"], false],
      ],
    );
    assert.deepEqual(
      check.missing.map((c) => c.sha),
      ["bbbbbbbbb2", "ddddddddd4"],
    );
  });

  it("with skipMerges, still reports merges but does not require them to name a work item", () => {
    const check = checkCommits(commits, { pattern: DEFAULT, skipMerges: true });
    assert.deepEqual(
      check.missing.map((c) => c.sha),
      ["bbbbbbbbb2"],
    );
    assert.deepEqual(
      check.commits.filter((c) => c.skipped).map((c) => c.commit.sha),
      ["ddddddddd4", "eeeeeeeee5"],
    );
    assert.equal(check.commits.length, 5);
  });

  it("never skips an ordinary commit, even with skipMerges", () => {
    const check = checkCommits([commit("fffffff6", "wip")], { pattern: DEFAULT, skipMerges: true });
    assert.deepEqual(
      check.missing.map((c) => c.sha),
      ["fffffff6"],
    );
  });

  it("passes an empty range with nothing missing", () => {
    assert.deepEqual(checkCommits([], { pattern: DEFAULT, skipMerges: false }), { commits: [], missing: [] });
  });
});
