import type { StoredAuditEntry } from "../entry.js";
import type { ArchiveClass, StoredArchiveDocument } from "./document.js";

/** A document as a store holds it: what it is about, and its text under the hash it was stored with. */
export interface ArchiveRow {
  hash: string;
  class: ArchiveClass;
  uid: string;
  kind: string;
  namespace: string | undefined;
  name: string;
  closedAt: Date;
  archivedAt: Date;
  text: string;
}

/** The object whose audit entries a document carries. */
export interface ArchivedObjectRef {
  kind: string;
  namespace: string | undefined;
  name: string;
  uid: string;
  /** Entries by name without a uid count only from the object's creation on (an earlier namesake is another). */
  createdAt: Date | undefined;
}

/** Which documents a listing returns. */
export interface ArchiveFilter {
  class?: ArchiveClass | undefined;
  namespace?: string | undefined;
  name?: string | undefined;
}

/**
 * Where archive documents live, immutably (the PostgreSQL table or content-addressed files beside a trail), and
 * the chain they are recorded in. Nothing here changes or removes a stored document.
 */
export interface ArchiveStore {
  /** A description for messages: the table and database, or the directory. */
  readonly where: string;
  /** The document archived for this object, if any (as stored: the caller checks it). */
  find(archiveClass: ArchiveClass, uid: string): Promise<ArchiveRow | undefined>;
  /** The document stored under `hash`, if any. */
  get(hash: string): Promise<ArchiveRow | undefined>;
  /**
   * Stores a document unless one is already stored for its class and object uid, never overwriting anything;
   * resolves with the row stored for that object (the earlier one when there was one).
   */
  put(stored: StoredArchiveDocument): Promise<ArchiveRow>;
  /** Documents in archive order (oldest first), filtered. */
  list(filter: ArchiveFilter): Promise<ArchiveRow[]>;
  /** The audit entries about an object, in chain order, as the chain holds them. */
  entriesAbout(object: ArchivedObjectRef): Promise<StoredAuditEntry[]>;
  /** The chain entry that records this stored document (`RecordArchived` with its hash), if there is one. */
  recordOf(
    row: Pick<ArchiveRow, "hash" | "kind" | "namespace" | "name">,
  ): Promise<StoredAuditEntry | undefined>;
  close(): Promise<void>;
}

/** The action of the chain entry that vouches for an archive document. */
export const RECORD_ARCHIVED = "RecordArchived";
