import { randomBytes } from "node:crypto";
import { syncDirectory } from "../sync-directory.js";
import { link, mkdir, open, readdir, readFile, stat, unlink } from "node:fs/promises";
import path from "node:path";
import type { StoredAuditEntry } from "../entry.js";
import { ArchiveClass, readArchiveDocument, type StoredArchiveDocument } from "./document.js";
import {
  RECORD_ARCHIVED,
  type ArchiveFilter,
  type ArchiveRow,
  type ArchiveStore,
  type ArchivedObjectRef,
} from "./store.js";
import { TrailIndex } from "./trail-index.js";

const HASH_FILE = /^([0-9a-f]{64})\.json$/;

/** The archive directory of a file trail: beside it, `<trail>.archive/`. */
export function archiveDirectoryOf(trailPath: string): string {
  return `${path.resolve(trailPath)}.archive`;
}

/**
 * The archive of a file trail: each document is a content-addressed file `<dir>/<class>/<uid>/<sha256>.json`,
 * written to a temporary name, fsynced and linked into place (a link never replaces an existing file), so a
 * document is never overwritten and a crash leaves either nothing or the whole file. One document per object: an
 * object's directory that already holds one is archived. Entries are read from the trail file (one replica's),
 * through an index of where each object's lines lie ({@link TrailIndex}).
 */
export class FileArchiveStore implements ArchiveStore {
  readonly where: string;
  /** Where each object's entries lie in the trail, read on from where the last look stopped. */
  private readonly index: TrailIndex;

  constructor(
    private readonly trailPath: string,
    private readonly directory = archiveDirectoryOf(trailPath),
  ) {
    this.where = this.directory;
    this.index = new TrailIndex(trailPath, RECORD_ARCHIVED);
  }

  async find(archiveClass: ArchiveClass, uid: string): Promise<ArchiveRow | undefined> {
    const dir = this.objectDirectory(archiveClass, uid);
    const names = (await readdirIfPresent(dir)).filter((name) => HASH_FILE.test(name)).sort();
    const first = names[0];
    return first === undefined ? undefined : this.readRow(path.join(dir, first), archiveClass, uid);
  }

  async get(hash: string): Promise<ArchiveRow | undefined> {
    return (await this.list({})).find((row) => row.hash === hash);
  }

  async put(stored: StoredArchiveDocument): Promise<ArchiveRow> {
    const { document } = stored;
    const uid = document.object.metadata.uid;
    const existing = await this.find(document.class, uid);
    if (existing !== undefined) return existing;
    const dir = this.objectDirectory(document.class, uid);
    await mkdir(dir, { recursive: true });
    const temporary = path.join(dir, `.${randomBytes(8).toString("hex")}.tmp`);
    const handle = await open(temporary, "wx", 0o444);
    try {
      await handle.writeFile(stored.text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temporary, path.join(dir, `${stored.hash}.json`));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    } finally {
      await unlink(temporary);
    }
    await syncDirectory(dir);
    const row = await this.find(document.class, uid);
    if (row === undefined) throw new Error(`The archive of ${document.class} ${uid} vanished after writing.`);
    return row;
  }

  async list(filter: ArchiveFilter): Promise<ArchiveRow[]> {
    const rows: ArchiveRow[] = [];
    const classes = filter.class === undefined ? ArchiveClass.options : [filter.class];
    for (const archiveClass of classes) {
      for (const uid of await readdirIfPresent(path.join(this.directory, archiveClass))) {
        const row = await this.find(archiveClass, uid);
        if (row === undefined) continue;
        if (filter.namespace !== undefined && row.namespace !== filter.namespace) continue;
        if (filter.name !== undefined && row.name !== filter.name) continue;
        rows.push(row);
      }
    }
    return rows.sort(
      (a, b) => a.archivedAt.getTime() - b.archivedAt.getTime() || a.hash.localeCompare(b.hash),
    );
  }

  async entriesAbout(object: ArchivedObjectRef): Promise<StoredAuditEntry[]> {
    const named = await this.index.entriesNaming(object.uid, object.kind, object.namespace, object.name);
    return named.filter((entry) => {
      const o = entry.object;
      const byUid = o.uid === object.uid;
      const byName =
        o.uid === undefined &&
        o.kind === object.kind &&
        o.namespace === object.namespace &&
        o.name === object.name &&
        (object.createdAt === undefined || new Date(entry.time) >= object.createdAt);
      return entry.action !== RECORD_ARCHIVED && (byUid || byName);
    });
  }

  recordOf({ hash }: Pick<ArchiveRow, "hash">): Promise<StoredAuditEntry | undefined> {
    return this.index.recordOf(hash);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private objectDirectory(archiveClass: ArchiveClass, uid: string): string {
    if (!/^[A-Za-z0-9-]{1,128}$/.test(uid))
      throw new Error(`The object uid ${JSON.stringify(uid)} is not a uid.`);
    return path.join(this.directory, archiveClass, uid);
  }

  private async readRow(file: string, archiveClass: ArchiveClass, uid: string): Promise<ArchiveRow> {
    const hash = HASH_FILE.exec(path.basename(file))?.[1] ?? "";
    const text = await readFile(file, "utf8");
    const read = readArchiveDocument(hash, text);
    // A damaged file is still listed (by its name), so a verifier can name it; its facts are then unknown.
    const document = read.ok ? read.stored.document : undefined;
    return {
      hash,
      class: archiveClass,
      uid,
      kind: document?.object.kind ?? "",
      namespace: document?.object.metadata.namespace,
      name: document?.object.metadata.name ?? "",
      closedAt: new Date(document?.closedAt ?? 0),
      archivedAt: new Date(document?.archivedAt ?? (await stat(file)).mtime),
      text,
    };
  }
}

async function readdirIfPresent(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}
