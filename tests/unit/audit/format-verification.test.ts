import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatVerification } from "../../../src/audit/verification.js";

describe("formatVerification", () => {
  const rows: [string, Parameters<typeof formatVerification>[0], string][] = [
    [
      "intact",
      { ok: true, entries: 42 },
      "audit trail /x/audit.jsonl is intact: 42 entries, chain verified.",
    ],
    ["one entry", { ok: true, entries: 1 }, "audit trail /x/audit.jsonl is intact: 1 entry, chain verified."],
    ["empty", { ok: true, entries: 0 }, "audit trail /x/audit.jsonl is intact: it is empty (0 entries)."],
    [
      "edited",
      {
        ok: false,
        entries: 6,
        firstBad: {
          line: 7,
          seq: 7,
          problem: "edited",
          message: "the entry was edited after it was written (its hash does not match its content)",
        },
      },
      "audit trail /x/audit.jsonl is broken at line 7 (entry 7): the entry was edited after it was written " +
        "(its hash does not match its content).",
    ],
    [
      "malformed, no entry to name",
      {
        ok: false,
        entries: 2,
        firstBad: { line: 3, problem: "malformed", message: "the line is not valid JSON" },
      },
      "audit trail /x/audit.jsonl is broken at line 3: the line is not valid JSON.",
    ],
  ];
  for (const [name, result, sentence] of rows) {
    it(name, () => assert.equal(formatVerification(result, "/x/audit.jsonl"), sentence));
  }
});
