import { mkdir, open } from "node:fs/promises";
import { syncDirectory } from "./sync-directory.js";
import path from "node:path";
import { GENESIS_HASH } from "./canonical-hash.js";
import { readAuditLines } from "./audit-lines.js";
import { MAX_AUDIT_LINE_BYTES, parseAuditLine, type AuditEntry } from "./entry.js";
import { AuditMirrors, type AuditMirrorOptions } from "./entry-mirror.js";
import { AuditTrailError, BrokenAuditTrailError } from "./errors.js";
import { GroupCommit, type BatchOutcome } from "./group-commit.js";
import type { AuditEvent, AuditRecorder } from "./recorder.js";
import { describeError, sealAuditEntry } from "./seal.js";
import { formatVerification } from "./verification.js";
import { scanAuditFile } from "./verify.js";

/** The operations the trail needs from its open file; Node's `FileHandle` opened with flag "a" provides them. */
export interface AuditFile {
  appendFile(data: Uint8Array): Promise<void>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/** How to open an AuditTrail. */
export interface AuditTrailOptions extends AuditMirrorOptions {
  /** The JSON-lines file; it and its parent directories are created when missing. One file per replica. */
  path: string;
  /** The source of entry times; defaults to the system clock. */
  clock?: () => Date;
  /** Opens the file for appending; defaults to `fs.open(path, "a")`. A seam for simulating disk failures. */
  openFile?: (path: string) => Promise<AuditFile>;
  /** Told about each entry that could not be written (the caller's record rejects too); must not throw. */
  onWriteError?: (err: unknown) => void;
}

/** Paths with an open writer in this process: two writers on one file would fork the chain. */
const openPaths = new Set<string>();

/**
 * The hash-chained audit trail of one replica. Entries are chained in call order, and each is fsynced before
 * `record` resolves. Records that arrive while a write is running are written together by the next one, with one
 * fsync (group commit, ADR 0035); a write that fails rejects every record it carried and leaves the file as it was.
 */
export class AuditTrail implements AuditRecorder {
  private readonly commits: GroupCommit<AuditEvent>;
  private readonly mirrors: AuditMirrors;
  private failure: AuditTrailError | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    /** The absolute path of the file. */
    readonly path: string,
    private readonly options: AuditTrailOptions,
    private readonly file: AuditFile,
    private lastSeq: number,
    private lastHash: string,
    private bytes: number,
    /** The transitions this file holds: a transition recorded again is not written twice. */
    private readonly transitions: Set<string>,
  ) {
    this.mirrors = new AuditMirrors(options);
    this.commits = new GroupCommit((events) => this.appendBatch(events));
  }

  /**
   * Opens the trail at `options.path`, creating it if missing. An existing file is verified first and the chain
   * continues from its last entry; a broken file is refused with a BrokenAuditTrailError naming the bad line.
   */
  static async open(options: AuditTrailOptions): Promise<AuditTrail> {
    const filePath = path.resolve(options.path);
    if (openPaths.has(filePath)) {
      throw new AuditTrailError(`Audit trail ${filePath} is already open in this process; close it first.`);
    }
    openPaths.add(filePath);
    try {
      await mkdir(path.dirname(filePath), { recursive: true });
      const file = await (options.openFile ?? openForAppend)(filePath);
      try {
        await syncDirectory(path.dirname(filePath));
        const scan = await scanAuditFile(filePath);
        if (!scan.verification.ok) {
          const message =
            `${formatVerification(scan.verification, filePath)} Stagegate will not append to a broken trail: ` +
            `move the file aside (keep it as evidence, for example \`mv ${filePath} ${filePath}.broken\`) and ` +
            `restart, and a new trail begins at entry 1.`;
          throw new BrokenAuditTrailError(filePath, scan.verification, message);
        }
        const last = scan.last ?? { seq: 0, hash: GENESIS_HASH };
        const transitions = await readTransitions(filePath);
        return new AuditTrail(filePath, options, file, last.seq, last.hash, scan.bytes, transitions);
      } catch (err) {
        await file.close();
        throw err;
      }
    } catch (err) {
      openPaths.delete(filePath);
      throw err;
    }
  }

  /**
   * Appends one entry and resolves once it is on disk; concurrent calls are chained in call order (written
   * together when they arrive during a write), so the chain never forks. The mirror is started afterwards and is
   * not waited for (`close` waits for it).
   */
  record(event: AuditEvent): Promise<void> {
    if (this.closing !== undefined) {
      return Promise.reject(
        new AuditTrailError(`Audit trail ${this.path} is closed; nothing more can be recorded.`),
      );
    }
    const written = this.commits.submit(event);
    // The caller receives the rejection through `written`; the count hears of it once.
    written.catch((err: unknown) => this.reportWriteError(err));
    return written;
  }

  /** Rejects once the trail is closed or took a write it could not undo; a file that takes writes is available. */
  available(): Promise<void> {
    if (this.closing !== undefined) {
      return Promise.reject(new AuditTrailError(`Audit trail ${this.path} is closed.`));
    }
    return this.failure === undefined ? Promise.resolve() : Promise.reject(this.failure);
  }

  /** Waits for pending records and mirrors, then closes the file. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    await this.commits.idle();
    await this.mirrors.settled();
    try {
      await this.file.close();
    } finally {
      openPaths.delete(this.path);
    }
  }

  /**
   * Writes one batch of events: each is sealed after the one before it (an event that cannot be an entry is
   * refused alone, and one whose transition is already held is not written again), then all the lines go in one
   * append and one fsync. A failed write is cut off the file, and every event whose entry it carried is rejected.
   */
  private async appendBatch(events: readonly AuditEvent[]): Promise<BatchOutcome[]> {
    if (this.failure !== undefined) throw this.failure;
    const outcomes: BatchOutcome[] = [];
    // Indexes of the outcomes that stand or fall with the write: the entries written and repeats of their transitions.
    const riding: number[] = [];
    const entries: AuditEntry[] = [];
    const lines: Buffer[] = [];
    const written = new Set<string>();
    let position = { seq: this.lastSeq, hash: this.lastHash };
    for (const event of events) {
      const { transition } = event;
      if (transition !== undefined && this.transitions.has(transition)) {
        outcomes.push(undefined);
        continue;
      }
      if (transition !== undefined && written.has(transition)) {
        riding.push(outcomes.push(undefined) - 1);
        continue;
      }
      try {
        const entry = this.seal(event, position);
        lines.push(encodeLine(entry));
        entries.push(entry);
        position = { seq: entry.seq, hash: entry.hash };
        if (transition !== undefined) written.add(transition);
        riding.push(outcomes.push(undefined) - 1);
      } catch (err) {
        outcomes.push({ error: err });
      }
    }
    const first = entries[0];
    if (first === undefined) return outcomes;
    const data = lines.length === 1 ? (lines[0] ?? Buffer.alloc(0)) : Buffer.concat(lines);
    try {
      await this.file.appendFile(data);
      await this.file.sync();
    } catch (err) {
      const error = await this.restore(first.seq, position.seq, err);
      for (const index of riding) outcomes[index] = { error };
      return outcomes;
    }
    this.bytes += data.length;
    this.lastSeq = position.seq;
    this.lastHash = position.hash;
    for (const transition of written) this.transitions.add(transition);
    for (const entry of entries) this.mirrors.start(entry);
    return outcomes;
  }

  /** Builds the entry after `after` from an event, normalised to plain JSON and checked as the verifier will. */
  private seal(event: AuditEvent, after: { seq: number; hash: string }): AuditEntry {
    const time = (this.options.clock ?? (() => new Date()))();
    return sealAuditEntry(event, { seq: after.seq + 1, prevHash: after.hash, time });
  }

  /**
   * Cuts a failed write of entries `from`..`to` off the file, so the next entry continues from the last one
   * actually written, and returns the error to answer their records with; a cut that fails stops the trail.
   */
  private async restore(from: number, to: number, cause: unknown): Promise<AuditTrailError> {
    try {
      await this.file.truncate(this.bytes);
      await this.file.sync();
    } catch (restoreErr) {
      this.failure = new AuditTrailError(
        `Audit trail ${this.path} could not be restored after a failed write (${describeError(restoreErr)}); ` +
          `it takes no more entries. Restart the operator: it verifies the file before appending again.`,
        { cause: restoreErr },
      );
      return this.failure;
    }
    const entries = from === to ? `entry ${from}` : `entries ${from} to ${to}`;
    return new AuditTrailError(`Could not write audit ${entries} to ${this.path}: ${describeError(cause)}.`, {
      cause,
    });
  }

  /** Counts a failed write for whoever watches (the operator's metric); a throwing observer is ignored. */
  private reportWriteError(err: unknown): void {
    try {
      this.options.onWriteError?.(err);
    } catch {
      // The record's own rejection already carries the failure to its caller.
    }
  }
}

/** An entry as the line the file holds; refused when it is longer than a line may be. */
function encodeLine(entry: AuditEntry): Buffer {
  const line = Buffer.from(`${JSON.stringify(entry)}\n`, "utf8");
  if (line.length > MAX_AUDIT_LINE_BYTES) {
    throw new AuditTrailError(
      `Audit entry ${entry.seq} (${entry.action}) would be ${line.length} bytes, more than the 1 MiB a line ` +
        `may hold; shorten its details.`,
    );
  }
  return line;
}

/** The transitions of a verified file's entries, read once when the trail opens. */
async function readTransitions(filePath: string): Promise<Set<string>> {
  const transitions = new Set<string>();
  for await (const line of readAuditLines(filePath)) {
    const parsed = parseAuditLine(line.text ?? "");
    if (parsed.ok && parsed.entry.transition !== undefined) transitions.add(parsed.entry.transition);
  }
  return transitions;
}

async function openForAppend(filePath: string): Promise<AuditFile> {
  return open(filePath, "a");
}
