import { readFileSync, statSync, type Stats } from "node:fs";

/**
 * How long after a file's last change its `stat` is not trusted to show a later change. A write lands in the
 * file system's coarse clock tick (a few ms on Linux; 2 s on FAT): a second write of the same size in the same
 * tick as the one read would leave size and times as they were. Within this window the file is read again on
 * every request, as git re-reads a "racily clean" file.
 */
export const SETTLE_MS = 2_000;

interface Entry {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly content: Buffer;
}

/**
 * The contents of credential files (client certificate, key, CA) for every request, read from disk only when a
 * `stat` shows a change: a file written in place, replaced by a rename, or reached through a swapped symlink (the
 * `..data` swap of Kubernetes projected volumes and cert-manager) is read by the next request, with no window of
 * staleness. While unchanged, the same Buffer is returned, so the transport's agent comparison is one identity
 * check. A file that cannot be read throws `readFileSync`'s own error, as before the cache (issue 12).
 */
export class FileMaterialCache {
  private readonly entries = new Map<string, Entry>();
  private readonly decoded = new Map<string, Buffer>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly readFile: (file: string) => Buffer = (file) => readFileSync(file),
  ) {}

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
    let stats: Stats;
    try {
      stats = statSync(file);
    } catch {
      this.entries.delete(file);
      return this.readFile(file); // throws the same error a read without the cache threw, or reads a file just back
    }
    const cached = this.entries.get(file);
    if (cached !== undefined && sameFile(cached, stats) && settled(stats, checkedAt)) return cached.content;
    const bytes = this.readFile(file);
    // Equal bytes keep the Buffer already handed out, so the keep-alive agent built with it is still recognised.
    const content = cached?.content.equals(bytes) === true ? cached.content : bytes;
    const { dev, ino, size, mtimeMs, ctimeMs } = stats;
    this.entries.set(file, { dev, ino, size, mtimeMs, ctimeMs, content });
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
