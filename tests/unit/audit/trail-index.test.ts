import assert from "node:assert/strict";
import { appendFile, truncate, stat } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { TrailIndex } from "../../../src/audit/archive/trail-index.js";
import type { AuditEvent } from "../../../src/audit/recorder.js";
import { AuditTrail } from "../../../src/audit/trail.js";
import { useScratchTrails, tickingClock } from "./audit-fixtures.js";

const RECORD = "RecordArchived";

function about(uid: string | undefined, name: string, action = "ReleasePromoted", details = {}): AuditEvent {
  return {
    actor: "stagegate-operator",
    action,
    object: { kind: "Release", namespace: "shop", name, ...(uid === undefined ? {} : { uid }) },
    details,
  } as AuditEvent;
}

async function record(file: string, events: readonly AuditEvent[]): Promise<void> {
  const trail = await AuditTrail.open({ path: file, clock: tickingClock() });
  try {
    for (const event of events) await trail.record(event);
  } finally {
    await trail.close();
  }
}

const actors = (entries: readonly { details: Record<string, unknown> }[]): unknown[] =>
  entries.map((e) => e.details.n);

describe("the archive's index of a file trail", () => {
  const scratch = useScratchTrails();

  it("finds an object's entries by uid and, without a uid, by name, in trail order, reading on as the trail grows", async () => {
    const file = scratch.freshFile();
    const index = new TrailIndex(file, RECORD);
    assert.deepEqual(await index.entriesNaming("u-1", "Release", "shop", "a"), [], "no trail yet: nothing");
    await record(file, [
      about("u-1", "a", "ReleasePromoted", { n: 1 }),
      about("u-2", "b", "ReleasePromoted", { n: 2 }),
    ]);
    assert.deepEqual(actors(await index.entriesNaming("u-1", "Release", "shop", "a")), [1]);
    await record(file, [
      about(undefined, "a", "GateRefused", { n: 3 }),
      about("u-1", "a", "EnvironmentVerified", { n: 4 }),
    ]);
    assert.deepEqual(actors(await index.entriesNaming("u-1", "Release", "shop", "a")), [1, 3, 4]);
    assert.deepEqual(actors(await index.entriesNaming("u-2", "Release", "shop", "b")), [2]);
    assert.deepEqual(actors(await index.entriesNaming("u-9", "Release", "other", "a")), []);
  });

  it("indexes archive records by document hash only, and ignores an unterminated last line until it is complete", async () => {
    const file = scratch.freshFile();
    const index = new TrailIndex(file, RECORD);
    await record(file, [about("u-1", "a", RECORD, { documentHash: "h-1", n: 1 })]);
    assert.equal((await index.recordOf("h-1"))?.details.n, 1);
    assert.equal(await index.recordOf("h-2"), undefined);
    assert.deepEqual(
      await index.entriesNaming("u-1", "Release", "shop", "a"),
      [],
      "its own records are not about it",
    );
    const size = (await stat(file)).size;
    await appendFile(file, '{"half": ');
    assert.equal(await index.recordOf("h-2"), undefined);
    await truncate(file, size);
    await record(file, [about("u-3", "c", RECORD, { documentHash: "h-2", n: 2 })]);
    assert.equal((await index.recordOf("h-2"))?.details.n, 2, "read on from the last complete line");
  });

  it("starts over when the end it had read was cut off and written again (a failed write)", async () => {
    const file = path.join(scratch.dir(), `cut-${Date.now()}.jsonl`);
    const index = new TrailIndex(file, RECORD);
    await record(file, [about("u-1", "a", "ReleasePromoted", { n: 1 })]);
    const size = (await stat(file)).size;
    await record(file, [about("u-1", "a", "ReleasePromoted", { n: 2 })]);
    assert.deepEqual(actors(await index.entriesNaming("u-1", "Release", "shop", "a")), [1, 2]);
    await truncate(file, size);
    await record(file, [
      about("u-2", "b", "ReleasePromoted", { n: 3, padding: "longer than the line it replaces" }),
    ]);
    assert.deepEqual(actors(await index.entriesNaming("u-1", "Release", "shop", "a")), [1]);
    assert.deepEqual(actors(await index.entriesNaming("u-2", "Release", "shop", "b")), [3]);
  });
});
