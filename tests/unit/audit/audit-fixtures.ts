// Shared helpers for the audit tests: temporary trails, sample events and raw line surgery.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before } from "node:test";
import { GENESIS_HASH, hashAuditEntry } from "../../../src/audit/canonical-hash.js";
import type { AuditEntry } from "../../../src/audit/entry.js";
import type { AuditEvent } from "../../../src/audit/recorder.js";
import { AuditTrail } from "../../../src/audit/trail.js";
import { verifyAuditFile } from "../../../src/audit/verify.js";

/** A scratch directory removed by the returned cleanup. */
export async function makeScratch(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), "stagegate-audit-"));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Registers a scratch directory for a test file (made before its tests, removed after) and returns a function
 * its directory and a function that names a fresh trail file in it on each call.
 */
export function useScratchTrails(): { dir: () => string; freshFile: () => string } {
  let dir = "";
  let cleanup = async (): Promise<void> => {};
  let count = 0;
  before(async () => {
    ({ dir, cleanup } = await makeScratch());
  });
  after(() => cleanup());
  return { dir: () => dir, freshFile: () => path.join(dir, `trail-${++count}.jsonl`) };
}

/** A clock that ticks one second per call from a fixed start, so entry times are predictable. */
export function tickingClock(start = Date.parse("2026-11-26T08:00:00.000Z")): () => Date {
  let calls = 0;
  return () => new Date(start + 1000 * calls++);
}

/** The i-th sample event: a decision by a distinct approver. */
export function sampleEvent(i: number): AuditEvent {
  return {
    actor: `approver-${i}`,
    action: "DecisionRecorded",
    object: { kind: "Approval", namespace: "payments", name: "release-42", uid: `uid-${i}` },
    details: { decision: "Approve", comment: `looks good #${i}`, groups: ["release-managers"] },
  };
}

/** Writes `count` sample entries through a real AuditTrail and closes it. */
export async function writeTrail(file: string, count: number): Promise<void> {
  const trail = await AuditTrail.open({ path: file, clock: tickingClock() });
  try {
    for (let i = 1; i <= count; i++) await trail.record(sampleEvent(i));
  } finally {
    await trail.close();
  }
}

/** The file's lines without their newlines (a final newline does not make an extra empty line). */
export async function readLines(file: string): Promise<string[]> {
  const text = await readFile(file, "utf8");
  if (text === "") return [];
  return (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n");
}

/** Writes lines back, each followed by a newline. */
export async function writeLines(file: string, lines: string[]): Promise<void> {
  await writeFile(file, lines.map((line) => `${line}\n`).join(""));
}

/** The entries of a trail file, parsed. */
export async function readEntries(file: string): Promise<AuditEntry[]> {
  return (await readLines(file)).map((line) => JSON.parse(line) as AuditEntry);
}

/** Re-seals an edited entry with a correct hash for its new content, as a forger who knows the format would. */
export function reseal(entry: Omit<AuditEntry, "hash"> & { hash?: string }): string {
  return JSON.stringify({ ...entry, hash: hashAuditEntry(entry) });
}

/** Asserts the file is a valid chain of `count` entries with seq 1..count, each linked to the one before. */
export async function assertChain(file: string, count: number): Promise<AuditEntry[]> {
  const entries = await readEntries(file);
  assert.deepEqual(
    entries.map((e) => e.seq),
    Array.from({ length: count }, (_, i) => i + 1),
  );
  entries.forEach((entry, i) => {
    assert.equal(entry.prevHash, i === 0 ? GENESIS_HASH : entries[i - 1]?.hash);
    assert.equal(entry.hash, hashAuditEntry(entry));
  });
  assert.deepEqual(await verifyAuditFile(file), { ok: true, entries: count });
  return entries;
}
