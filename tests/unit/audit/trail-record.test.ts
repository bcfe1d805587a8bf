import assert from "node:assert/strict";
import { open, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { GENESIS_HASH } from "../../../src/audit/canonical-hash.js";
import { AuditTrailError } from "../../../src/audit/errors.js";
import type { AuditEvent } from "../../../src/audit/recorder.js";
import { AuditTrail, type AuditFile } from "../../../src/audit/trail.js";
import { verifyAuditFile } from "../../../src/audit/verify.js";
import {
  assertChain,
  useScratchTrails,
  readEntries,
  readLines,
  sampleEvent,
  tickingClock,
} from "./audit-fixtures.js";

const scratch = useScratchTrails();
const freshFile = scratch.freshFile;

describe("AuditTrail.record", () => {
  it("writes one line per event, in the documented format, durable when record resolves", async () => {
    const file = path.join(scratch.dir(), "nested", "deeper", "audit.jsonl");
    const trail = await AuditTrail.open({ path: file, clock: tickingClock() });
    await trail.record(sampleEvent(1));
    // Read before close: the entry is already on disk.
    const [line] = await readLines(file);
    assert.deepEqual(Object.keys(JSON.parse(line ?? "{}") as object), [
      "seq",
      "time",
      "actor",
      "action",
      "object",
      "details",
      "prevHash",
      "hash",
    ]);
    await trail.record(sampleEvent(2));
    await trail.close();
    const [first, second] = await assertChain(file, 2);
    assert.deepEqual(first, {
      seq: 1,
      time: "2026-11-26T08:00:00.000Z",
      ...sampleEvent(1),
      prevHash: GENESIS_HASH,
      hash: first?.hash,
    });
    assert.equal(second?.time, "2026-11-26T08:00:01.000Z");
  });

  it("serialises 100 concurrent records into seq 1..100 in call order, one whole line each", async () => {
    const file = freshFile();
    const trail = await AuditTrail.open({ path: file });
    await Promise.all(Array.from({ length: 100 }, (_, i) => trail.record(sampleEvent(i + 1))));
    await trail.close();
    const text = await readFile(file, "utf8");
    assert.equal(text.split("\n").length, 101, "100 newline-terminated lines");
    const entries = await assertChain(file, 100);
    assert.deepEqual(
      entries.map((e) => e.actor),
      Array.from({ length: 100 }, (_, i) => `approver-${i + 1}`),
    );
  });

  it("gives the same hash whatever the key order of details", async () => {
    const hashes: string[] = [];
    for (const details of [
      { decision: "Approve", meta: { a: 1, b: [1, { y: 2, x: 1 }] } },
      { meta: { b: [1, { x: 1, y: 2 }], a: 1 }, decision: "Approve" },
    ]) {
      const file = freshFile();
      const trail = await AuditTrail.open({ path: file, clock: tickingClock() });
      await trail.record({ ...sampleEvent(1), details });
      await trail.close();
      const [entry] = await readEntries(file);
      hashes.push(entry?.hash ?? "");
    }
    assert.equal(hashes[0], hashes[1]);
  });

  const invalid: [string, AuditEvent, RegExp][] = [
    ["an empty actor", { ...sampleEvent(1), actor: "" }, /actor: /],
    ["a bigint in details", { ...sampleEvent(1), details: { n: 1n } }, /cannot be written as JSON/],
    [
      "a missing object name",
      { ...sampleEvent(1), object: { kind: "Approval", name: "" } },
      /object\.name: /,
    ],
    [
      "an entry longer than 1 MiB (details are bounded, so through the actor)",
      { ...sampleEvent(1), actor: "x".repeat(1024 * 1024) },
      /more than the 1 MiB a line may hold/,
    ],
  ];
  for (const [name, event, message] of invalid) {
    it(`refuses ${name} and continues the chain from the last entry written`, async () => {
      const file = freshFile();
      const trail = await AuditTrail.open({ path: file });
      await trail.record(sampleEvent(1));
      await assert.rejects(
        trail.record(event),
        (err: unknown) => err instanceof AuditTrailError && message.test(err.message),
      );
      await trail.record(sampleEvent(3));
      await trail.close();
      await assertChain(file, 2);
    });
  }

  it("rejects records after close, and close is idempotent", async () => {
    const trail = await AuditTrail.open({ path: freshFile() });
    await Promise.all([trail.close(), trail.close()]);
    await assert.rejects(trail.record(sampleEvent(1)), /is closed/);
  });
});

/** Wraps the real file so the n-th append writes half its bytes and then fails, like a full disk. */
function failingFile(options: { failAppend?: number; failSync?: number; failTruncate?: boolean }) {
  let appends = 0;
  let syncs = 0;
  return async (file: string): Promise<AuditFile> => {
    const handle = await open(file, "a");
    return {
      async appendFile(data) {
        if (++appends === options.failAppend) {
          await handle.appendFile(data.subarray(0, Math.floor(data.length / 2)));
          throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
        }
        await handle.appendFile(data);
      },
      async sync() {
        if (++syncs === options.failSync)
          throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
        await handle.sync();
      },
      async truncate(length) {
        if (options.failTruncate === true) throw new Error("EIO: i/o error, ftruncate");
        await handle.truncate(length);
      },
      close: () => handle.close(),
    };
  };
}

describe("AuditTrail write failures", () => {
  const rows: [string, Parameters<typeof failingFile>[0]][] = [
    ["a torn append", { failAppend: 2 }],
    ["a failed fsync after a complete append", { failSync: 2 }],
  ];
  for (const [name, failure] of rows) {
    it(`rejects the record on ${name} and the next record continues the chain`, async () => {
      const file = freshFile();
      const reported: unknown[] = [];
      const trail = await AuditTrail.open({
        path: file,
        openFile: failingFile(failure),
        onWriteError: (err) => reported.push(err),
      });
      await trail.record(sampleEvent(1));
      await assert.rejects(trail.record(sampleEvent(2)), /Could not write audit entry 2 to .*: E(NOSPC|IO)/);
      await trail.record(sampleEvent(3));
      await trail.close();
      assert.equal(reported.length, 1, "the one failed write is reported once (the operator counts it)");
      const entries = await assertChain(file, 2);
      assert.deepEqual(
        entries.map((e) => e.actor),
        ["approver-1", "approver-3"],
      );
    });
  }

  it("takes no more entries when a failed write cannot be cut off the file", async () => {
    const file = freshFile();
    const trail = await AuditTrail.open({
      path: file,
      openFile: failingFile({ failAppend: 2, failTruncate: true }),
    });
    await trail.record(sampleEvent(1));
    await assert.rejects(trail.record(sampleEvent(2)), /could not be restored after a failed write/);
    await assert.rejects(trail.record(sampleEvent(3)), /could not be restored after a failed write/);
    await trail.close();
    const result = await verifyAuditFile(file);
    assert.equal(result.ok ? "intact" : result.firstBad.problem, "malformed", "the torn line stays visible");
  });
});
