import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GitLogFormatError, parseGitLog } from "../../../src/commits/log-records.js";

const record = (fields: string[]): string => `${fields.join("\x1f")}\x1e\n`;

describe("parseGitLog: git log records into commits", () => {
  it("reads sha, short sha, author, author date (in UTC; absent when unreadable), subject, a multi-line body and whether it is a merge", () => {
    const output =
      record([
        "a".repeat(40),
        "aaaaaaa",
        "p1 p2",
        "Ann",
        "ann@example.com",
        "2026-11-20T10:15:00+01:00",
        "Merge topic",
        "",
      ]) +
      record([
        "b".repeat(40),
        "bbbbbbb",
        "p1",
        "Bob Smith",
        "bob@example.com",
        "2026-11-19T08:00:00Z",
        "Fix",
        "Line 1\n\nRefs PAY-1\n",
      ]) +
      record(["c".repeat(40), "ccccccc", "", "Cy", "cy@example.com", "not a date", "Root commit", ""]);
    assert.deepEqual(parseGitLog(output), [
      {
        sha: "a".repeat(40),
        shortSha: "aaaaaaa",
        author: "Ann",
        email: "ann@example.com",
        authoredAt: "2026-11-20T09:15:00.000Z",
        subject: "Merge topic",
        body: "",
        merge: true,
      },
      {
        sha: "b".repeat(40),
        shortSha: "bbbbbbb",
        author: "Bob Smith",
        email: "bob@example.com",
        authoredAt: "2026-11-19T08:00:00.000Z",
        subject: "Fix",
        body: "Line 1\n\nRefs PAY-1",
        merge: false,
      },
      {
        sha: "c".repeat(40),
        shortSha: "ccccccc",
        author: "Cy",
        email: "cy@example.com",
        subject: "Root commit",
        body: "",
        merge: false,
      },
    ]);
  });

  it("reads no commits from empty output", () => {
    assert.deepEqual(parseGitLog(""), []);
  });

  it("refuses a record without the expected fields", () => {
    assert.throws(() => parseGitLog("abc\x1fdef\x1e\n"), GitLogFormatError);
  });
});
