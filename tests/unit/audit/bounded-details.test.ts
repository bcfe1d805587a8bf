import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { describe, it } from "node:test";
import {
  AUDIT_DETAILS_BOUNDS,
  boundAuditDetails,
  type DetailsBounds,
} from "../../../src/audit/bounded-details.js";
import { AuditTrail } from "../../../src/audit/trail.js";
import { assertChain, readEntries, sampleEvent, tickingClock, useScratchTrails } from "./audit-fixtures.js";

const scratch = useScratchTrails();
const small: DetailsBounds = { maxString: 5, maxItems: 2, maxKeys: 2, maxDepth: 2, maxBytes: 1000 };

describe("boundAuditDetails", () => {
  const rows: { situation: string; details: Record<string, unknown>; expected: Record<string, unknown> }[] = [
    {
      situation: "details within every bound are kept exactly",
      details: { decision: "Ok", n: [1, true] },
      expected: { decision: "Ok", n: [1, true] },
    },
    {
      situation: "a long string keeps its start and says how much was cut",
      details: { comment: "abcdefgh" },
      expected: { comment: "abcde…[truncated 3 characters]" },
    },
    {
      situation: "a long list keeps its first items and says how many were cut",
      details: { l: [1, 2, 3, 4] },
      expected: { l: [1, 2, "…[truncated 2 items]"] },
    },
    {
      situation: "too many keys: the first are kept and a marker counts the rest",
      details: { a: 1, b: 2, c: 3 },
      expected: { a: 1, b: 2, "…truncated": "…[truncated 1 keys]" },
    },
    {
      situation: "nesting deeper than the bound is replaced by a marker",
      details: { a: { b: { c: 1 } } },
      expected: { a: { b: "…[truncated 1 nested value]" } },
    },
  ];
  for (const row of rows) {
    it(row.situation, () => {
      assert.deepEqual(boundAuditDetails(row.details, small), row.expected);
    });
  }

  it("replaces details still too large after cutting by a marker naming their size", () => {
    const bounded = boundAuditDetails(
      { a: "x".repeat(100), b: "y".repeat(100) },
      { ...small, maxString: 100, maxBytes: 150 },
    );
    assert.match(String(bounded.truncated), /more than the 150 an entry keeps/);
    assert.ok(JSON.stringify(bounded).length < 300);
  });

  it("keeps a 1 MB comment and 10,000 labels out of the trail, with markers, and the chain verifies", async () => {
    const file = scratch.freshFile();
    const trail = await AuditTrail.open({ path: file, clock: tickingClock() });
    const labels = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`l${i}`, "v".repeat(100)]));
    await trail.record({ ...sampleEvent(1), details: { comment: "x".repeat(1024 * 1024), labels } });
    await trail.close();
    const [entry] = await readEntries(file);
    const comment = String(entry?.details.comment);
    assert.ok(comment.length < AUDIT_DETAILS_BOUNDS.maxString + 100, `comment kept ${comment.length} chars`);
    assert.match(comment, /…\[truncated \d+ characters\]$/);
    assert.ok((await stat(file)).size < 2 * AUDIT_DETAILS_BOUNDS.maxBytes);
    await assertChain(file, 1);
  });
});
