import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chainProof } from "../../../../src/audit/reports/chain-proof.js";

describe("the chain proof of a report", () => {
  it("says prominently that a trail is broken, naming it and where", () => {
    const proof = chainProof(
      [
        { name: "a.jsonl", unit: "line", verification: { ok: true, entries: 3 }, checkpoints: undefined },
        {
          name: "b.jsonl",
          unit: "line",
          verification: {
            ok: false,
            entries: 6,
            firstBad: {
              line: 7,
              seq: 7,
              problem: "edited",
              message: "the entry was edited after it was written",
            },
          },
          checkpoints: undefined,
        },
      ],
      0,
    );
    assert.equal(proof.intact, false);
    assert.match(proof.headline, /^CHAIN BROKEN: the audit trail b\.jsonl did not verify/);
    assert.match(proof.trails[1]?.chain ?? "", /is broken at line 7 \(entry 7\)/);
  });

  it("says a trail that disagrees with its checkpoints is broken even when its chain verifies", () => {
    const proof = chainProof(
      [
        {
          name: "a.jsonl",
          unit: "line",
          verification: { ok: true, entries: 3 },
          checkpoints: {
            ok: false,
            agreeing: 0,
            coveredSeq: 0,
            findings: [
              { problem: "EntriesRemoved", checkpoint: "cp-5", message: "entries 4 to 5 were removed" },
            ],
          },
        },
      ],
      0,
    );
    assert.equal(proof.intact, false);
    assert.match(proof.headline, /CHAIN BROKEN/);
    assert.deepEqual(proof.trails[0]?.checkpoints, [
      "EntriesRemoved: checkpoint cp-5: entries 4 to 5 were removed.",
    ]);
  });

  it("says what was not checked when no public key was given", () => {
    const proof = chainProof(
      [{ name: "a.jsonl", unit: "line", verification: { ok: true, entries: 3 }, checkpoints: undefined }],
      0,
    );
    assert.equal(proof.intact, true);
    assert.match(proof.headline, /Signed checkpoints were not checked/);
  });

  it("is not intact when no trail was read", () => {
    assert.equal(chainProof([], 0).intact, false);
  });
});
