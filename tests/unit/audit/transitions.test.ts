// One entry per transition (ADR 0031): a fact recorded again, concurrently, after a restart, or by a retry that
// cannot tell whether a crash lost its entry, is held once; the id is stable, escaped and bounded.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { MAX_TRANSITION_CHARS, parseAuditLine } from "../../../src/audit/entry.js";
import { transitionDigest, transitionId } from "../../../src/audit/recorder.js";
import { AuditTrail } from "../../../src/audit/trail.js";
import { verifyAuditFile } from "../../../src/audit/verify.js";
import { makeScratch, sampleEvent, tickingClock } from "./audit-fixtures.js";

async function entriesOf(file: string) {
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const parsed = parseAuditLine(line);
      assert.ok(parsed.ok);
      return parsed.entry;
    });
}

describe("audit transitions", () => {
  it("names a transition by kind, uid, action and parts, escaping separators so different parts never meet", () => {
    assert.equal(
      transitionId("Release", "u-1", "ReleasePromoted", "prod", 2),
      "Release/u-1/ReleasePromoted/prod/2",
    );
    assert.notEqual(
      transitionId("Release", "u-1", "GateRefused", "a/b", "c"),
      transitionId("Release", "u-1", "GateRefused", "a", "b/c"),
    );
    const long = transitionId("Approval", "u-2", "DecisionRecorded", "x".repeat(5000));
    assert.ok(long.length <= MAX_TRANSITION_CHARS, "a long discriminator is digested to fit an entry");
    assert.match(long, /^Approval\/u-2\/DecisionRecorded\/sha256:[0-9a-f]{64}$/);
    assert.equal(transitionDigest(["a", 1]), transitionDigest(["a", 1]));
    assert.notEqual(transitionDigest(["a", 1]), transitionDigest(["a", 2]));
  });

  it("keeps one entry per transition in a file trail: repeated, concurrent, and after the trail is reopened", async () => {
    const scratch = await makeScratch();
    try {
      const file = path.join(scratch.dir, "audit.jsonl");
      const promoted = { ...sampleEvent(1), transition: "Release/u-1/ReleasePromoted/prod/1" };
      let trail = await AuditTrail.open({ path: file, clock: tickingClock() });
      await Promise.all([trail.record(promoted), trail.record(promoted), trail.record(promoted)]);
      await trail.record(sampleEvent(2));
      await trail.record(sampleEvent(2));
      await trail.close();
      // A restart (the process was killed after its write): the reopened trail knows what it holds.
      trail = await AuditTrail.open({ path: file, clock: tickingClock() });
      await trail.record({ ...promoted, details: { differentDetails: true } });
      await trail.record({ ...sampleEvent(3), transition: "Release/u-1/TargetUnlocked/prod/1" });
      await trail.close();
      const entries = await entriesOf(file);
      assert.deepEqual(
        entries.map((e) => [e.seq, e.actor, e.transition ?? null]),
        [
          [1, "approver-1", "Release/u-1/ReleasePromoted/prod/1"],
          [2, "approver-2", null],
          [3, "approver-2", null],
          [4, "approver-3", "Release/u-1/TargetUnlocked/prod/1"],
        ],
        "events without a transition are all kept; each transition once",
      );
      assert.deepEqual(await verifyAuditFile(file), { ok: true, entries: 4 }, "the transition is sealed in");
    } finally {
      await scratch.cleanup();
    }
  });

  it("detects a transition id edited after it was written", async () => {
    const scratch = await makeScratch();
    try {
      const file = path.join(scratch.dir, "audit.jsonl");
      const trail = await AuditTrail.open({ path: file, clock: tickingClock() });
      await trail.record({ ...sampleEvent(1), transition: "Release/u-1/ReleasePromoted/prod/1" });
      await trail.record(sampleEvent(2));
      await trail.close();
      const text = await readFile(file, "utf8");
      await writeFile(file, text.replace("prod/1", "prod/9"));
      const verification = await verifyAuditFile(file);
      assert.equal(verification.ok, false);
    } finally {
      await scratch.cleanup();
    }
  });
});
