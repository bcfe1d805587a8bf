import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AuditChainChecker } from "../../../src/audit/chain-checker.js";
import { GENESIS_HASH } from "../../../src/audit/canonical-hash.js";
import { sealAuditEntry } from "../../../src/audit/seal.js";
import { formatVerification } from "../../../src/audit/verification.js";
import { sampleEvent } from "./audit-fixtures.js";

/** Three sealed entries as rows of a table, in order. */
function rows(): string[] {
  const entries = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= 3; seq++) {
    const entry = sealAuditEntry(sampleEvent(seq), { seq, prevHash, time: new Date(Date.UTC(2026, 11, 6)) });
    entries.push(JSON.stringify(entry));
    prevHash = entry.hash;
  }
  return entries;
}

function check(texts: string[], unit: "line" | "row") {
  const checker = new AuditChainChecker(unit);
  for (const [i, text] of texts.entries()) {
    if (checker.check({ number: i + 1, text, complete: true, tooLong: false, end: 0 })) break;
  }
  return checker.finish();
}

describe("the chain checker on a table", () => {
  it("names rows, not lines, in what it reports, with the same verdicts as for a file", () => {
    const [first = "", second = ""] = rows();
    const repeated = [first, second, first];
    const asRows = check(repeated, "row");
    const reordered = (where: string) => ({
      ok: false,
      entries: 2,
      firstBad: {
        line: 3,
        seq: 1,
        problem: "reordered",
        message: `it repeats entry 1 from ${where} 1, so the entries were reordered`,
      },
    });
    assert.deepEqual(asRows, reordered("row"));
    assert.deepEqual(check(repeated, "line"), reordered("line"));
    assert.equal(
      formatVerification(asRows, "stagegate_audit.entries", "row"),
      "audit trail stagegate_audit.entries is broken at row 3 (entry 1): it repeats entry 1 from row 1, so the " +
        "entries were reordered.",
    );
  });

  it("accepts a table of entries sealed as the file trail seals them", () => {
    assert.deepEqual(check(rows(), "row"), { ok: true, entries: 3 });
  });
});
