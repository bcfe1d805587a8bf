import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { describe, it } from "node:test";
import type { AuditEntry } from "../../../src/audit/entry.js";
import { BrokenAuditTrailError } from "../../../src/audit/errors.js";
import { AuditTrail } from "../../../src/audit/trail.js";
import {
  assertChain,
  useScratchTrails,
  readEntries,
  readLines,
  sampleEvent,
  writeLines,
  writeTrail,
} from "./audit-fixtures.js";

const scratch = useScratchTrails();
const freshFile = scratch.freshFile;

describe("AuditTrail.open", () => {
  it("continues the chain of an existing trail (seq and prevHash)", async () => {
    const file = freshFile();
    await writeTrail(file, 3);
    const trail = await AuditTrail.open({ path: file });
    await trail.record(sampleEvent(4));
    await trail.record(sampleEvent(5));
    await trail.close();
    const entries = await assertChain(file, 5);
    assert.equal(entries[3]?.prevHash, entries[2]?.hash);
  });

  it("starts at entry 1 in an existing empty file", async () => {
    const file = freshFile();
    await writeFile(file, "");
    await writeTrail(file, 1);
    await assertChain(file, 1);
  });

  const broken: [string, (lines: string[]) => string[] | string, RegExp][] = [
    [
      "an edited entry",
      (l) => l.map((line, i) => (i === 1 ? line.replace("approver-2", "mallory") : line)),
      /line 2 \(entry 2\)/,
    ],
    [
      "a removed entry",
      (l) => l.filter((_, i) => i !== 1),
      /line 2 \(entry 3\): entry 3 follows entry 1, so entry 2 was removed/,
    ],
    [
      "a torn last line",
      (l) => `${l.slice(0, 2).join("\n")}\n${(l[2] ?? "").slice(0, 30)}`,
      /line 3: the last line has no newline/,
    ],
  ];
  for (const [name, tamper, where] of broken) {
    it(`refuses to append to a trail with ${name}, naming the line, and leaves the file untouched`, async () => {
      const file = freshFile();
      await writeTrail(file, 3);
      const tampered = tamper(await readLines(file));
      if (typeof tampered === "string") await writeFile(file, tampered);
      else await writeLines(file, tampered);
      const before = await readFile(file);
      await assert.rejects(
        AuditTrail.open({ path: file }),
        (err: unknown) =>
          err instanceof BrokenAuditTrailError &&
          where.test(err.message) &&
          /will not append to a broken trail: move the file aside/.test(err.message),
      );
      assert.deepEqual(await readFile(file), before);
      // The refused path is not left marked as open: after moving the file aside a new trail starts.
      await writeFile(file, "");
      await writeTrail(file, 1);
      await assertChain(file, 1);
    });
  }

  it("refuses a second writer on the same file in one process", async () => {
    const file = freshFile();
    const trail = await AuditTrail.open({ path: file });
    await assert.rejects(AuditTrail.open({ path: file }), /already open in this process/);
    await trail.close();
    await (await AuditTrail.open({ path: file })).close();
  });
});

describe("AuditTrail mirror", () => {
  it("mirrors each entry once, as written, after it is durable", async () => {
    const file = freshFile();
    const mirrored: AuditEntry[] = [];
    const onDisk: number[] = [];
    const trail = await AuditTrail.open({
      path: file,
      mirror: (entry) => {
        // Read synchronously, at the moment the mirror is called.
        onDisk.push(readFileSync(file, "utf8").split("\n").length - 1);
        mirrored.push(entry);
        return Promise.resolve();
      },
    });
    await Promise.all([1, 2, 3].map((i) => trail.record(sampleEvent(i))));
    await trail.close();
    assert.deepEqual(mirrored, await readEntries(file));
    // Entries recorded together may be written together (group commit): each was on disk when it was mirrored.
    assert.deepEqual(
      mirrored.map((entry, i) => (onDisk[i] ?? 0) >= entry.seq),
      [true, true, true],
      `each entry was on disk when it was mirrored (lines then: ${onDisk.join(", ")})`,
    );
  });

  const failures: [string, (entry: AuditEntry) => Promise<void>][] = [
    ["rejects", () => Promise.reject(new Error("events is forbidden"))],
    [
      "throws synchronously",
      () => {
        throw new Error("events is forbidden");
      },
    ],
  ];
  for (const [name, mirror] of failures) {
    it(`keeps recording when the mirror ${name}, and reports each failure`, async () => {
      const file = freshFile();
      const reported: [string, number][] = [];
      const trail = await AuditTrail.open({
        path: file,
        mirror,
        onMirrorError: (err, entry) => reported.push([err instanceof Error ? err.message : "?", entry.seq]),
      });
      await trail.record(sampleEvent(1));
      await trail.record(sampleEvent(2));
      await trail.close();
      await assertChain(file, 2);
      assert.deepEqual(reported, [
        ["events is forbidden", 1],
        ["events is forbidden", 2],
      ]);
    });
  }
});
