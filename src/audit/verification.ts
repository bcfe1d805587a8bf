/** How a trail is broken at its first bad line; the four cases a reader must tell apart. */
export type AuditProblem = "malformed" | "edited" | "removed" | "reordered";

/** Where and how a trail first breaks. */
export interface AuditBreak {
  /** 1-based line number in the file (for a database table, the row number in seq order). */
  line: number;
  /** The entry's `seq`, when the line is a well-formed entry. */
  seq?: number;
  problem: AuditProblem;
  /** A clause (no capital, no full stop) saying what is wrong, naming entries and lines. */
  message: string;
}

/**
 * The result of checking a trail. `entries` counts the entries verified intact: all of them for an intact
 * trail, those before the first bad line for a broken one.
 */
export type AuditVerification =
  { ok: true; entries: number } | { ok: false; entries: number; firstBad: AuditBreak };

/**
 * The sentence `stagegate audit verify` prints, so the CLI and the operator's refusal to append describe a
 * trail in the same words. `path` names the trail (a file, or a database table); `unit` what a position is.
 */
export function formatVerification(
  result: AuditVerification,
  path: string,
  unit: "line" | "row" = "line",
): string {
  if (result.ok) {
    if (result.entries === 0) return `audit trail ${path} is intact: it is empty (0 entries).`;
    const noun = result.entries === 1 ? "entry" : "entries";
    return `audit trail ${path} is intact: ${result.entries} ${noun}, chain verified.`;
  }
  const { line, seq, message } = result.firstBad;
  const where = seq === undefined ? `${unit} ${line}` : `${unit} ${line} (entry ${seq})`;
  return `audit trail ${path} is broken at ${where}: ${message}.`;
}
