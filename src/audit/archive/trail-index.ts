import { open, stat } from "node:fs/promises";
import { readAuditLines } from "../audit-lines.js";
import { parseAuditLine, type StoredAuditEntry } from "../entry.js";

/** Where one complete line of the trail file lies: its first byte and its length without the newline. */
interface Span {
  start: number;
  length: number;
}

/** The key of an entry that names its object without a uid. */
function nameKey(kind: string, namespace: string | undefined, name: string): string {
  return JSON.stringify([kind, namespace ?? "", name]);
}

/**
 * Where each object's entries lie in one file trail: byte spans by object uid (and by kind, namespace and name for
 * entries that carry no uid), read incrementally from where the last look stopped. The archive of a file trail asks
 * for one object's entries each time an object closes; reading the whole trail for each one made archiving N
 * objects cost N full reads (issue 12: 4 to 6 archived per second by 1,500 releases). The index keeps spans, not
 * entries: a few dozen bytes per line, and the lines themselves are read again (and parsed, and matched) when asked.
 *
 * The trail is append-only, but a failed write is cut off its end: before reading on, the index checks that the
 * last line it read is still where it was, and starts over when it is not (or when the file is shorter).
 */
export class TrailIndex {
  private readonly byUid = new Map<string, Span[]>();
  private readonly byName = new Map<string, Span[]>();
  /** Spans of the entries of one action, by their `details.documentHash`. */
  private readonly byDocumentHash = new Map<string, Span>();
  /** The offset after the last complete line indexed, and that line's text (to check it is still there). */
  private position = 0;
  private lastLine: { span: Span; text: string } | undefined;
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly trailPath: string,
    /** Entries of this action are indexed by document hash only (the archive's own records). */
    private readonly recordAction: string,
  ) {}

  /** The sound entries about an object with this uid, or named so without a uid, in trail order. */
  async entriesNaming(
    uid: string,
    kind: string,
    namespace: string | undefined,
    name: string,
  ): Promise<StoredAuditEntry[]> {
    await this.catchUp();
    const spans = [
      ...(this.byUid.get(uid) ?? []),
      ...(this.byName.get(nameKey(kind, namespace, name)) ?? []),
    ];
    spans.sort((a, b) => a.start - b.start);
    return this.read(spans);
  }

  /** The archive record (`recordAction`) of a document hash, if the trail holds one. */
  async recordOf(documentHash: string): Promise<StoredAuditEntry | undefined> {
    await this.catchUp();
    const span = this.byDocumentHash.get(documentHash);
    return span === undefined ? undefined : (await this.read([span]))[0];
  }

  /** Indexes what was appended since the last look; one reader at a time. */
  private catchUp(): Promise<void> {
    const next = this.reading.then(() => this.indexNewLines());
    this.reading = next.catch(() => undefined);
    return next;
  }

  private async indexNewLines(): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.trailPath)).size;
    } catch {
      this.reset();
      return;
    }
    if (size < this.position || !(await this.lastLineStillThere())) this.reset();
    if (size === this.position) return;
    for await (const line of readAuditLines(this.trailPath, this.position)) {
      if (!line.complete) break;
      const length = Buffer.byteLength(line.text ?? "", "utf8");
      const span = { start: line.end - 1 - length, length };
      this.position = line.end;
      if (line.text === undefined || line.tooLong) continue;
      this.lastLine = { span, text: line.text };
      const parsed = parseAuditLine(line.text);
      if (parsed.ok) this.file(parsed.entry, span);
    }
  }

  private file(entry: StoredAuditEntry, span: Span): void {
    if (entry.action === this.recordAction) {
      const hash = entry.details.documentHash;
      if (typeof hash === "string" && !this.byDocumentHash.has(hash)) this.byDocumentHash.set(hash, span);
      return;
    }
    const { uid, kind, namespace, name } = entry.object;
    const [map, key] = uid !== undefined ? [this.byUid, uid] : [this.byName, nameKey(kind, namespace, name)];
    const spans = map.get(key);
    if (spans === undefined) map.set(key, [span]);
    else spans.push(span);
  }

  private async lastLineStillThere(): Promise<boolean> {
    if (this.lastLine === undefined) return this.position === 0;
    const [text] = await this.readTexts([this.lastLine.span]);
    return text === this.lastLine.text;
  }

  private reset(): void {
    this.byUid.clear();
    this.byName.clear();
    this.byDocumentHash.clear();
    this.position = 0;
    this.lastLine = undefined;
  }

  private async read(spans: readonly Span[]): Promise<StoredAuditEntry[]> {
    const entries: StoredAuditEntry[] = [];
    for (const text of await this.readTexts(spans)) {
      const parsed = text === undefined ? undefined : parseAuditLine(text);
      if (parsed?.ok === true) entries.push(parsed.entry);
    }
    return entries;
  }

  private async readTexts(spans: readonly Span[]): Promise<(string | undefined)[]> {
    if (spans.length === 0) return [];
    const handle = await open(this.trailPath, "r");
    try {
      const texts: (string | undefined)[] = [];
      for (const span of spans) {
        const buffer = Buffer.alloc(span.length);
        const { bytesRead } = await handle.read(buffer, 0, span.length, span.start);
        texts.push(bytesRead === span.length ? buffer.toString("utf8") : undefined);
      }
      return texts;
    } finally {
      await handle.close();
    }
  }
}
