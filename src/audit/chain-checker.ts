import type { AuditLine } from "./audit-lines.js";
import { GENESIS_HASH, hashAuditEntry } from "./canonical-hash.js";
import { parseAuditLine, type StoredAuditEntry } from "./entry.js";
import type { AuditBreak, AuditVerification } from "./verification.js";

/** How many recent entries the checker remembers to recognise a repeated entry or a link to an older one. */
const RECENT_ENTRIES = 1024;

interface Position {
  seq: number;
  line: number;
}

/** A forward jump in seq whose cause (entries removed, or moved further down) is only known after reading on. */
interface Gap extends Position {
  from: number;
  to: number;
  previous: Position | undefined;
}

/**
 * Checks a trail one line at a time and names the first bad line precisely: malformed, edited, removed or
 * reordered. Pure (no I/O) and in bounded memory, so it serves both the verifier and the writer reopening a file.
 */
export class AuditChainChecker {
  private last: (Position & { hash: string }) | undefined;
  private readonly recent = new Map<string, Position>();
  private gap: Gap | undefined;
  private verdict: AuditBreak | undefined;
  private intact = 0;

  /**
   * `unit` is what the messages call a position: a file's line, or a table's row in seq order. `anchor` is where a
   * chain whose front was removed by a recorded purge starts: the seq and hash of the last removed entry.
   */
  constructor(
    private readonly unit: "line" | "row" = "line",
    anchor?: { seq: number; hash: string },
  ) {
    if (anchor !== undefined) this.last = { seq: anchor.seq, line: 0, hash: anchor.hash };
  }

  /** Feeds the next line; returns true once the verdict is settled and later lines cannot change it. */
  check(line: AuditLine): boolean {
    if (this.verdict !== undefined) return true;
    if (this.gap !== undefined) return this.checkGap(line, this.gap);
    const read = readEntry(line);
    if ("problem" in read) {
      this.verdict = { line: line.number, ...read };
      return true;
    }
    const position = { seq: read.seq, line: line.number };
    const link = this.checkLink(read, position);
    if (link === "linked") {
      this.accept(read.hash, position);
      return false;
    }
    if (link === "gap") return false;
    this.verdict = { line: line.number, seq: read.seq, ...link };
    return true;
  }

  /** How an entry whose own hash is sound fits after the entries before it. */
  private checkLink(
    entry: StoredAuditEntry,
    position: Position,
  ): "linked" | "gap" | Pick<AuditBreak, "problem" | "message"> {
    const { seq } = entry;
    const last = this.last;
    const expectedSeq = last === undefined ? 1 : last.seq + 1;
    const expectedPrev = last === undefined ? GENESIS_HASH : last.hash;
    if (seq === expectedSeq) {
      if (entry.prevHash === expectedPrev) return "linked";
      const earlier = this.recent.get(entry.prevHash);
      if (earlier !== undefined && last !== undefined) {
        const message =
          `it links to entry ${earlier.seq} (${this.unit} ${earlier.line}) instead of entry ${last.seq} on the ${this.unit} ` +
          `before it, so the entries were reordered`;
        return { problem: "reordered", message };
      }
      const message =
        last === undefined
          ? "its prevHash is not the genesis hash (64 zeros), so it was edited after it was written"
          : `its prevHash does not match the hash of entry ${last.seq} on ${this.unit} ${last.line}, so this entry ` +
            `or the one before it was edited after it was written`;
      return { problem: "edited", message };
    }
    if (entry.prevHash === expectedPrev) {
      const linked = last === undefined ? "the genesis hash" : `entry ${last.seq}`;
      const message = `it links to ${linked} but its seq is ${seq} instead of ${expectedSeq}, so its seq was edited after it was written`;
      return { problem: "edited", message };
    }
    const repeated = this.recent.get(entry.hash);
    if (repeated !== undefined) {
      const message = `it repeats entry ${repeated.seq} from ${this.unit} ${repeated.line}, so the entries were reordered`;
      return { problem: "reordered", message };
    }
    if (seq < expectedSeq) {
      const previous = last === undefined ? "the start" : `entry ${last.seq}`;
      return {
        problem: "reordered",
        message: `entry ${seq} comes after ${previous}, so the entries were reordered`,
      };
    }
    this.gap = { ...position, from: expectedSeq, to: seq - 1, previous: last };
    return "gap";
  }

  /** The verdict after the last line of the file. */
  finish(): AuditVerification {
    if (this.gap !== undefined && this.verdict === undefined) this.verdict = describeRemoval(this.gap);
    if (this.verdict === undefined) return { ok: true, entries: this.intact };
    return { ok: false, entries: this.intact, firstBad: this.verdict };
  }

  /** The last intact entry, from which a writer continues the chain; undefined for an empty trail. */
  lastEntry(): { seq: number; hash: string } | undefined {
    return this.last === undefined ? undefined : { seq: this.last.seq, hash: this.last.hash };
  }

  /** After a forward jump, the gap was a reordering if a skipped entry shows up later, else a removal. */
  private checkGap(line: AuditLine, gap: Gap): boolean {
    if (line.text === undefined || line.tooLong) return false;
    const parsed = parseAuditLine(line.text);
    if (!parsed.ok || parsed.entry.seq < gap.from || parsed.entry.seq > gap.to) return false;
    const message =
      `entry ${gap.seq} comes before entry ${parsed.entry.seq} (${this.unit} ${line.number}), ` +
      `so the entries were reordered`;
    this.verdict = { line: gap.line, seq: gap.seq, problem: "reordered", message };
    return true;
  }

  private accept(hash: string, position: Position): void {
    this.intact += 1;
    this.last = { ...position, hash };
    this.recent.set(hash, position);
    if (this.recent.size > RECENT_ENTRIES) {
      const oldest = this.recent.keys().next();
      if (oldest.done !== true) this.recent.delete(oldest.value);
    }
  }
}

/** A line's entry when it is well-formed, complete and sealed by its own hash; otherwise what is wrong. */
function readEntry(line: AuditLine): StoredAuditEntry | Omit<AuditBreak, "line"> {
  if (line.tooLong) return { problem: "malformed", message: "the line is longer than 1 MiB" };
  if (line.text === undefined) return { problem: "malformed", message: "the line is not valid UTF-8" };
  const parsed = parseAuditLine(line.text);
  if (!line.complete) {
    const message = "the last line has no newline at its end, so the write that produced it was cut short";
    return { ...(parsed.ok ? { seq: parsed.entry.seq } : {}), problem: "malformed", message };
  }
  if (!parsed.ok) return { problem: "malformed", message: parsed.message };
  if (hashAuditEntry(parsed.raw) !== parsed.entry.hash) {
    const message = "the entry was edited after it was written (its hash does not match its content)";
    return { seq: parsed.entry.seq, problem: "edited", message };
  }
  return parsed.entry;
}

function describeRemoval(gap: Gap): AuditBreak {
  const missing = gap.from === gap.to ? `entry ${gap.from} was` : `entries ${gap.from} to ${gap.to} were`;
  const context =
    gap.previous === undefined
      ? `entry ${gap.seq} is the first entry`
      : `entry ${gap.seq} follows entry ${gap.previous.seq}`;
  return { line: gap.line, seq: gap.seq, problem: "removed", message: `${context}, so ${missing} removed` };
}
