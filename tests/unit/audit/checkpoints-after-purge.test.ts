// Checkpoints of a chain whose front a recorded purge removed (ADR 0030): the checkpoints of purged entries are not
// compared, the one at the purge's last entry is compared with the purge's anchor, and later ones as before.
import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, it } from "node:test";
import { checkAgainstCheckpoints, type TrailFacts } from "../../../src/audit/checkpoints/check.js";
import { signCheckpoint, type CheckpointBody } from "../../../src/audit/checkpoints/checkpoint.js";
import { checkpointName, type ReadCheckpoint } from "../../../src/audit/checkpoints/checkpoint-object.js";
import { keyIdOf } from "../../../src/audit/checkpoints/signing-key.js";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const KEY_ID = keyIdOf(publicKey);
const KEYS: ReadonlyMap<string, KeyObject> = new Map([[KEY_ID, publicKey]]);
const CHAIN = "c".repeat(64);
const hashOf = (seq: number): string => seq.toString(16).padStart(64, "0");

function checkpoint(seq: number, hash = hashOf(seq), previous = ""): ReadCheckpoint {
  const body: CheckpointBody = {
    version: 1,
    writer: "postgresql",
    chain: CHAIN,
    seq,
    hash,
    time: "2026-12-06T08:00:00Z",
    keyId: KEY_ID,
    previous,
  };
  return { ok: true, name: checkpointName(body), signed: signCheckpoint(body, privateKey) };
}

/** A table purged through entry 10: rows 11..20 remain, and the purge vouches for entry 10's hash. */
function purgedTable(anchorHash = hashOf(10)): TrailFacts {
  const hashes = new Map<number, string>([[10, anchorHash]]);
  for (let seq = 11; seq <= 20; seq++) hashes.set(seq, hashOf(seq));
  return { chain: CHAIN, lastSeq: 20, hashes, purgedThrough: 10 };
}

describe("checkpoints after a recorded purge", () => {
  it("accepts the checkpoints of purged entries, the anchor's and the later ones", () => {
    const five = checkpoint(5);
    const ten = checkpoint(10, hashOf(10), five.name);
    const fifteen = checkpoint(15, hashOf(15), ten.name);
    const result = checkAgainstCheckpoints(purgedTable(), [five, ten, fifteen], KEYS, "postgresql");
    assert.deepEqual(result.findings, []);
    assert.equal(result.coveredSeq, 15);
  });

  it("finds a purge whose anchor is not the hash a checkpoint signed for that entry", () => {
    const result = checkAgainstCheckpoints(purgedTable("e".repeat(64)), [checkpoint(10)], KEYS, "postgresql");
    assert.deepEqual(
      result.findings.map((f) => f.problem),
      ["EntryRewritten"],
    );
  });

  it("still finds entries removed after the purge's range", () => {
    const facts = purgedTable();
    const hashes = new Map(facts.hashes);
    hashes.delete(12);
    const result = checkAgainstCheckpoints({ ...facts, hashes }, [checkpoint(12)], KEYS, "postgresql");
    assert.deepEqual(
      result.findings.map((f) => f.problem),
      ["EntryRewritten"],
    );
  });
});
