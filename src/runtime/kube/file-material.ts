import { readFileSync, statSync, type Stats } from "node:fs";

/**
 * How long after a file's last change its `stat` is not trusted to show a later change. A write lands in the
 * file system's coarse clock tick (a few ms on Linux; 2 s on FAT): a second write of the same size in the same
 * tick as the one read would leave size and times as they were. Within this window the file is read again at
 * every check, as git re-reads a "racily clean" file.
 */
export const SETTLE_MS = 2_000;

interface Entry {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly content: Buffer;
  /** The check round in which `stat` last showed the file unchanged, or it was read. */
  checkedRound: number;
}

/** How a {@link FileMaterialCache} checks its files. */
export interface FileMaterialOptions {
  /** Time after a check during which a file is served without a new `stat` ({@link RECHECK_MS}); 0 checks every read. */
  readonly recheckMs?: number;
  readonly now?: () => number;
  readonly readFile?: (file: string) => Buffer;
}

/**
 * How long a credential file is served after a `stat` showed it unchanged before it is checked again: a rotated
 * certificate is used within this bound (ADR 0066). Three `stat`s per request cost about a third of what reading the
 * files did; once a second they cost nothing measurable. Rotations give far more slack than this (the kubelet updates
 * a projected volume a minute or more late; cert-manager renews at two thirds of a certificate's life).
 */
export const RECHECK_MS = 1_000;

/**
 * The contents of credential files (client certificate, key, CA) for every request, read from disk only when a
 * `stat` shows a change, and stat'ed at most once per `recheckMs`: a file written in place, replaced by a rename, or
 * reached through a swapped symlink (the `..data` swap of Kubernetes projected volumes and cert-manager) is read by
 * the first request after its next check. While unchanged, the same Buffer is returned, so the transport's agent
 * comparison is one identity check. A file that cannot be read at a check throws `readFileSync`'s own error, as
 * before the cache (issue 12).
 */
export class FileMaterialCache {
  private readonly entries = new Map<string, Entry>();
  private readonly decoded = new Map<string, Buffer>();
  /**
   * Files are checked in rounds, not each on a timer of its own: the first read `recheckMs` after a round began
   * starts the next, and every file is checked at its first read in it. A request reads certificate, key and CA
   * together, so they are checked together, and a rotated pair is never half picked up (a new certificate with the
   * old key fails the TLS handshake).
   */
  private round = 0;
  private roundStartedAt = Number.NEGATIVE_INFINITY;
  private readonly recheckMs: number;
  private readonly now: () => number;
  private readonly readFile: (file: string) => Buffer;

  constructor(options: FileMaterialOptions = {}) {
    this.recheckMs = options.recheckMs ?? RECHECK_MS;
    this.now = options.now ?? Date.now;
    this.readFile = options.readFile ?? ((file) => readFileSync(file));
  }

  /** `file`'s contents (a file wins, as in client-node), else the inline base64 `data` decoded once, else null. */
  fromFileOrData(file: string | undefined, data: string | undefined): Buffer | null {
    if (file) return this.read(file);
    if (!data) return null;
    let bytes = this.decoded.get(data);
    if (bytes === undefined) {
      bytes = Buffer.from(data, "base64");
      this.decoded.set(data, bytes);
    }
    return bytes;
  }

  /** The file's current contents: the cached Buffer while the file is unchanged, else the bytes read now. */
  read(file: string): Buffer {
    const checkedAt = this.now();
    // A clock gone back starts a round too.
    if (checkedAt < this.roundStartedAt || checkedAt - this.roundStartedAt >= this.recheckMs) {
      this.round++;
      this.roundStartedAt = checkedAt;
    }
    const cached = this.entries.get(file);
    if (cached?.checkedRound === this.round) return cached.content;
    let stats: Stats;
    try {
      stats = statSync(file);
    } catch {
      this.entries.delete(file);
      return this.readFile(file); // throws the same error a read without the cache threw, or reads a file just back
    }
    if (cached !== undefined && sameFile(cached, stats) && settled(stats, checkedAt)) {
      cached.checkedRound = this.round;
      return cached.content;
    }
    const bytes = this.readFile(file);
    // Equal bytes keep the Buffer already handed out, so the keep-alive agent built with it is still recognised.
    const content = cached?.content.equals(bytes) === true ? cached.content : bytes;
    const { dev, ino, size, mtimeMs, ctimeMs } = stats;
    this.entries.set(file, { dev, ino, size, mtimeMs, ctimeMs, content, checkedRound: this.round });
    return content;
  }
}

/** The same file (device and inode, after following symlinks), not written since (size, modification and change times). */
function sameFile(entry: Entry, stats: Stats): boolean {
  return (
    entry.ino === stats.ino &&
    entry.dev === stats.dev &&
    entry.size === stats.size &&
    entry.mtimeMs === stats.mtimeMs &&
    entry.ctimeMs === stats.ctimeMs
  );
}

/** Whether the last change is far enough in the past that a later one would show in the times. */
function settled(stats: Stats, checkedAt: number): boolean {
  return checkedAt - Math.max(stats.mtimeMs, stats.ctimeMs) >= SETTLE_MS;
}
