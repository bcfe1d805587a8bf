import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { formatVerification } from "../../../src/audit/verification.js";
import { verifyAuditFile } from "../../../src/audit/verify.js";
import { makeScratch, readLines, reseal, writeTrail } from "./audit-fixtures.js";
import { ENTRIES, edit, entryOf, join, tamperCases } from "./tamper-cases.js";

describe("verifyAuditFile", () => {
  let dir = "";
  let cleanup = async (): Promise<void> => {};
  let pristine: string[] = [];

  before(async () => {
    ({ dir, cleanup } = await makeScratch());
    await writeTrail(path.join(dir, "pristine.jsonl"), ENTRIES);
    pristine = await readLines(path.join(dir, "pristine.jsonl"));
    assert.equal(pristine.length, ENTRIES);
  });
  after(() => cleanup());

  tamperCases.forEach((row, index) => {
    it(row.name, async () => {
      const file = path.join(dir, `case-${index}.jsonl`);
      await writeFile(file, row.tamper([...pristine]));
      const result = await verifyAuditFile(file);
      if (row.expected === undefined) {
        assert.deepEqual(result, { ok: true, entries: ENTRIES });
        return;
      }
      assert.equal(result.ok, false, formatVerification(result, file));
      if (result.ok) return;
      const { message, ...where } = result.firstBad;
      const { message: expectedMessage, ...expectedWhere } = row.expected;
      assert.deepEqual(where, expectedWhere);
      assert.match(message, expectedMessage);
      assert.equal(result.entries, row.expected.line - 1, "entries before the first bad line");
    });
  });

  it("finds an intact empty file with 0 entries", async () => {
    const file = path.join(dir, "empty.jsonl");
    await writeFile(file, "");
    assert.deepEqual(await verifyAuditFile(file), { ok: true, entries: 0 });
  });

  it("rejects with the file system's error when the file is missing", async () => {
    await assert.rejects(verifyAuditFile(path.join(dir, "missing.jsonl")), { code: "ENOENT" });
  });

  it("reads a trail larger than one read buffer and finds an edit near its end", async () => {
    const file = path.join(dir, "large.jsonl");
    const lines = Array.from({ length: 100 }, () => pristine).flat();
    // Re-chain copies of the pristine entries into one long valid trail.
    const chained: string[] = [];
    let prevHash = "0".repeat(64);
    lines.forEach((line, i) => {
      const sealed = reseal({ ...entryOf(line), seq: i + 1, prevHash });
      prevHash = entryOf(sealed).hash;
      chained.push(sealed);
    });
    await writeFile(file, join(chained));
    assert.ok((await readFile(file)).length > 3 * 64 * 1024, "spans several read chunks");
    assert.deepEqual(await verifyAuditFile(file), { ok: true, entries: chained.length });
    const edited = edit(chained, chained.length - 3, (e) => JSON.stringify({ ...e, actor: "mallory" }));
    await writeFile(file, join(edited));
    const result = await verifyAuditFile(file);
    assert.equal(result.ok ? 0 : result.firstBad.line, chained.length - 3);
  });

  it("calls a line longer than 1 MiB malformed without buffering it", async () => {
    const file = path.join(dir, "long-line.jsonl");
    await writeFile(file, join([...pristine.slice(0, 2), "x".repeat(1024 * 1024 + 1)]));
    const result = await verifyAuditFile(file);
    assert.deepEqual(result.ok ? undefined : result.firstBad, {
      line: 3,
      problem: "malformed",
      message: "the line is longer than 1 MiB",
    });
  });
});
