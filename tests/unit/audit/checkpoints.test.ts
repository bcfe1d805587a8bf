// Checking a trail against its signed checkpoints: one test per line of the table in docs/audit.md ("What the
// checkpoints detect"), on real trail files written by AuditTrail and keys made with node:crypto.
import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, it } from "node:test";
import { signCheckpoint, type CheckpointBody } from "../../../src/audit/checkpoints/checkpoint.js";
import {
  checkpointName,
  checkpointObject,
  readCheckpointObject,
  type ReadCheckpoint,
} from "../../../src/audit/checkpoints/checkpoint-object.js";
import {
  keyIdOf,
  loadSigningKey,
  loadTrustedKeys,
  SigningKeyError,
} from "../../../src/audit/checkpoints/signing-key.js";
import { verifyFileAgainstCheckpoints } from "../../../src/audit/checkpoints/verify-against.js";
import { AuditTrail } from "../../../src/audit/trail.js";
import { verifyAuditFile } from "../../../src/audit/verify.js";
import type { AuditEntry } from "../../../src/audit/entry.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import {
  readEntries,
  readLines,
  reseal,
  sampleEvent,
  tickingClock,
  useScratchTrails,
  writeLines,
  writeTrail,
} from "./audit-fixtures.js";

const WRITER = "stagegate-0";
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const KEY_ID = keyIdOf(publicKey);
const KEYS: ReadonlyMap<string, KeyObject> = new Map([[KEY_ID, publicKey]]);

/** The checkpoint the operator would publish of `entries` at `seq`, linked to `previous`. */
function checkpoint(
  entries: readonly AuditEntry[],
  seq: number,
  previous = "",
  key: KeyObject = privateKey,
  keyId = KEY_ID,
): ReadCheckpoint {
  const body: CheckpointBody = {
    version: 1,
    writer: WRITER,
    chain: entries[0]?.hash ?? "",
    seq,
    hash: entries[seq - 1]?.hash ?? "",
    time: "2026-12-06T08:00:00Z",
    keyId,
    previous,
  };
  return { ok: true, name: checkpointName(body), signed: signCheckpoint(body, key) };
}

/** Checkpoints at each seq, each naming the one before. */
function series(entries: readonly AuditEntry[], seqs: readonly number[]): ReadCheckpoint[] {
  const out: ReadCheckpoint[] = [];
  for (const seq of seqs) out.push(checkpoint(entries, seq, out.at(-1)?.name ?? ""));
  return out;
}

describe("a trail checked against its signed checkpoints", () => {
  const { freshFile } = useScratchTrails();

  async function trail(count = 10): Promise<{ file: string; entries: AuditEntry[] }> {
    const file = freshFile();
    await writeTrail(file, count);
    return { file, entries: await readEntries(file) };
  }

  it("agrees when nothing was touched, up to the last checkpoint", async () => {
    const { file, entries } = await trail();
    const result = await verifyFileAgainstCheckpoints(file, series(entries, [5, 10]), KEYS, WRITER);
    assert.deepEqual(result, { ok: true, agreeing: 2, coveredSeq: 10, findings: [] });
  });

  it("detects the last entries removed (the chain alone cannot)", async () => {
    const { file, entries } = await trail();
    await writeLines(file, (await readLines(file)).slice(0, 7));
    assert.deepEqual(await verifyAuditFile(file), { ok: true, entries: 7 }, "the shortened chain is intact");
    const result = await verifyFileAgainstCheckpoints(file, series(entries, [5, 10]), KEYS, WRITER);
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.findings.map((f) => f.problem),
      ["EntriesRemoved"],
    );
    assert.match(result.findings[0]?.message ?? "", /ends at entry 7: entries 8 to 10 at least were removed/);
  });

  it("detects a rewrite that keeps the chain intact, by anyone without the key", async () => {
    const { file, entries } = await trail();
    const rewritten: AuditEntry[] = [];
    for (const entry of entries) {
      const prevHash = rewritten.at(-1)?.hash ?? entry.prevHash;
      const details = entry.seq === 3 ? { ...entry.details, decision: "Reject" } : entry.details;
      rewritten.push(JSON.parse(reseal({ ...entry, prevHash, details })) as AuditEntry);
    }
    await writeLines(
      file,
      rewritten.map((e) => JSON.stringify(e)),
    );
    assert.deepEqual(await verifyAuditFile(file), { ok: true, entries: 10 }, "the rewritten chain is intact");
    const result = await verifyFileAgainstCheckpoints(file, series(entries, [2, 5, 10]), KEYS, WRITER);
    assert.deepEqual(
      result.findings.map((f) => [f.problem, f.checkpoint]),
      [
        ["EntryRewritten", checkpointName({ chain: entries[0]?.hash ?? "", seq: 5 })],
        ["EntryRewritten", checkpointName({ chain: entries[0]?.hash ?? "", seq: 10 })],
      ],
    );
    assert.equal(result.agreeing, 1, "entry 2, before the rewrite, still agrees");
  });

  it("detects a trail replaced as a whole, given its writer", async () => {
    const { entries } = await trail();
    const replacement = freshFile();
    const other = await AuditTrail.open({
      path: replacement,
      clock: tickingClock(Date.parse("2026-12-01T00:00:00Z")),
    });
    for (let i = 1; i <= 12; i++) await other.record(sampleEvent(i));
    await other.close();
    const checkpoints = series(entries, [5, 10]);
    const result = await verifyFileAgainstCheckpoints(replacement, checkpoints, KEYS, WRITER);
    assert.deepEqual(
      result.findings.map((f) => f.problem),
      ["TrailReplaced"],
    );
    assert.match(result.findings[0]?.message ?? "", /vouch for another trail .* none for this one/);
    const unnamed = await verifyFileAgainstCheckpoints(replacement, checkpoints, KEYS);
    assert.deepEqual(
      unnamed,
      { ok: true, agreeing: 0, coveredSeq: 0, findings: [] },
      "without --writer it cannot tell",
    );
  });

  it("detects a checkpoint forged without the key, or changed after it was signed", async () => {
    const { file, entries } = await trail();
    const mallory = generateKeyPairSync("ed25519");
    const forged = checkpoint(entries, 10, "", mallory.privateKey, keyIdOf(mallory.publicKey));
    const good = checkpoint(entries, 5);
    const changed: ReadCheckpoint = good.ok
      ? {
          ...good,
          name: "changed",
          signed: { ...good.signed, body: { ...good.signed.body, seq: 4, hash: entries[3]?.hash ?? "" } },
        }
      : good;
    const result = await verifyFileAgainstCheckpoints(file, [forged, changed], KEYS, WRITER);
    assert.deepEqual(
      result.findings.map((f) => f.problem),
      ["ForgedCheckpoint", "ForgedCheckpoint"],
    );
    assert.match(result.findings[0]?.message ?? "", /not among the trusted keys/);
    assert.match(result.findings[1]?.message ?? "", /signature does not verify/);
  });

  it("detects a checkpoint deleted from the middle of the series", async () => {
    const { file, entries } = await trail();
    const [first, , last] = series(entries, [3, 5, 10]);
    const result = await verifyFileAgainstCheckpoints(
      file,
      [first, last].filter((c) => c !== undefined),
      KEYS,
      WRITER,
    );
    assert.deepEqual(
      result.findings.map((f) => f.problem),
      ["CheckpointRemoved"],
    );
  });

  it("reports a checkpoint object that does not read, and round-trips one that does", async () => {
    const { entries } = await trail(3);
    const signed = checkpoint(entries, 3);
    assert.ok(signed.ok);
    const object = checkpointObject(signed.signed, "stagegate-system") as unknown as KubeObject;
    assert.deepEqual(readCheckpointObject(object), signed);
    assert.equal((object as unknown as { immutable: boolean }).immutable, true);
    const broken = readCheckpointObject({
      ...object,
      data: { "checkpoint.json": "{}", signature: "x" },
    });
    assert.equal(broken.ok, false);
    assert.match(broken.ok ? "" : broken.message, /is not a checkpoint/);
  });
});

describe("checkpoint keys", () => {
  const { dir } = useScratchTrails();

  it("loads an ed25519 private key, and trusts its public half by the same id", async () => {
    const file = path.join(dir(), "key.pem");
    await writeFile(file, privateKey.export({ type: "pkcs8", format: "pem" }));
    const pub = path.join(dir(), "key.pub");
    await writeFile(pub, publicKey.export({ type: "spki", format: "pem" }));
    assert.equal((await loadSigningKey(file)).keyId, KEY_ID);
    assert.deepEqual([...(await loadTrustedKeys([pub, file])).keys()], [KEY_ID]);
  });

  it("refuses a key of another kind, naming the file and how to make one", async () => {
    const file = path.join(dir(), "rsa.pem");
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
    await writeFile(file, rsa.privateKey.export({ type: "pkcs8", format: "pem" }));
    await assert.rejects(loadSigningKey(file), (err: Error) => {
      assert.ok(err instanceof SigningKeyError);
      assert.match(
        err.message,
        /rsa key; audit checkpoints are signed with ed25519: create one with `openssl genpkey -algorithm ed25519`/,
      );
      return true;
    });
  });
});
