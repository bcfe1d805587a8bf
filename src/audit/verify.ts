import { readAuditLines } from "./audit-lines.js";
import { AuditChainChecker } from "./chain-checker.js";
import type { AuditVerification } from "./verification.js";

/** What a full read of a trail found, including where a writer would continue it. */
export interface AuditScan {
  verification: AuditVerification;
  /** The last intact entry; undefined when there is none. */
  last: { seq: number; hash: string } | undefined;
  /** Bytes read up to the end of the last line examined; for an intact trail, the file's length. */
  bytes: number;
}

/**
 * Reads a trail from disk and checks its whole chain, stopping early once the first bad line is certain.
 * Rejects only when the file cannot be read (for example ENOENT); a damaged file is a result, not an error.
 */
export async function scanAuditFile(path: string): Promise<AuditScan> {
  const checker = new AuditChainChecker();
  let bytes = 0;
  for await (const line of readAuditLines(path)) {
    bytes = line.end;
    if (checker.check(line)) break;
  }
  return { verification: checker.finish(), last: checker.lastEntry(), bytes };
}

/**
 * Verifies the hash chain of the audit file at `path` in bounded memory and names the first line that is
 * malformed, edited, removed or reordered. An empty file is an intact trail of 0 entries.
 */
export async function verifyAuditFile(path: string): Promise<AuditVerification> {
  return (await scanAuditFile(path)).verification;
}
