import { readAuditLines } from "../audit-lines.js";
import { parseAuditLine } from "../entry.js";
import type { TrailFacts } from "./check.js";

/**
 * Reads what checking a trail file against checkpoints needs, in bounded memory: the hash of entry 1, the last
 * entry's seq, and the hashes of the entries `wanted` names. Lines that do not parse are skipped here (the chain
 * check names them).
 */
export async function readTrailFacts(path: string, wanted: ReadonlySet<number>): Promise<TrailFacts> {
  let chain: string | undefined;
  let lastSeq = 0;
  const hashes = new Map<number, string>();
  for await (const line of readAuditLines(path)) {
    const parsed = parseAuditLine(line.text ?? "");
    if (!parsed.ok) continue;
    const { seq, hash } = parsed.entry;
    if (seq === 1 && chain === undefined) chain = hash;
    lastSeq = Math.max(lastSeq, seq);
    if (wanted.has(seq)) hashes.set(seq, hash);
  }
  return { chain, lastSeq, hashes };
}

/** The hash of a trail file's first entry (its chain id), and its last entry; undefined parts for an empty file. */
export async function trailEnds(
  path: string,
): Promise<{ chain: string | undefined; last: { seq: number; hash: string } | undefined }> {
  let chain: string | undefined;
  let last: { seq: number; hash: string } | undefined;
  for await (const line of readAuditLines(path)) {
    const parsed = parseAuditLine(line.text ?? "");
    if (!parsed.ok) continue;
    if (parsed.entry.seq === 1 && chain === undefined) chain = parsed.entry.hash;
    last = { seq: parsed.entry.seq, hash: parsed.entry.hash };
  }
  return { chain, last };
}
