import type { StoredAuditEntry } from "../entry.js";
import { transitionId, type AuditRecorder } from "../recorder.js";
import { closedAt } from "./closed.js";
import { ARCHIVED_KIND, readArchiveDocument, sealArchiveDocument, type ArchiveClass } from "./document.js";
import { liveRecord } from "./live-record.js";
import type { ArchiveRow, ArchiveStore } from "./store.js";

/** Raised when a stored document no longer matches its hash: the archiver will not vouch for it in the chain. */
export class ArchiveDamagedError extends Error {
  override readonly name = "ArchiveDamagedError";
}

/**
 * Raised when the API server returned a closed record older than the copy that closed it (or at a version that
 * cannot be ordered against it): the archiver seals nothing from it, and the pass is retried.
 */
export class ArchiveStaleReadError extends Error {
  override readonly name = "ArchiveStaleReadError";
}

/** An object of the cluster as the archiver reads it (from the informer cache, or live). */
export interface ArchivableObject {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  metadata: {
    name: string;
    namespace?: string | undefined;
    uid?: string | undefined;
    resourceVersion?: string | undefined;
    generation?: number | undefined;
    creationTimestamp?: string | undefined;
  };
  status?: unknown;
  [field: string]: unknown;
}

/**
 * Reads a record live from the API server, as it is now (undefined when it is not found): what the archiver seals,
 * since the caches drop fields no controller reads (ADR 0058).
 */
export type LiveReader = (
  archiveClass: ArchiveClass,
  closing: ArchivableObject,
) => Promise<ArchivableObject | undefined>;

/** What one archive pass found or did. */
export type ArchiveOutcome =
  | { kind: "open" }
  /** The closed record left the cluster before it was archived: nothing of it can be sealed any more. */
  | { kind: "gone"; problem: string }
  | { kind: "archived"; row: ArchiveRow }
  | { kind: "recorded"; row: ArchiveRow }
  | { kind: "already"; row: ArchiveRow };

/**
 * Archives closed records exactly once. A pass stores the document unless the store already holds one for the
 * object (so a retry, or another replica, keeps the first), then records `RecordArchived` in the chain unless the
 * chain already vouches for that document, so a crash between the two is repaired by the next pass. The chain
 * entry carries the document's hash: the chain, and the checkpoints that sign it, vouch for the document. What is
 * sealed is the record as the API server holds it, read live once (`readLive`), never a cached copy: the caches
 * drop fields no controller reads (ADR 0058).
 */
export class Archiver {
  constructor(
    private readonly store: ArchiveStore,
    private readonly audit: AuditRecorder,
    private readonly clock: () => Date,
    private readonly readLive: LiveReader,
    private readonly actor = "stagegate-operator",
  ) {}

  /**
   * Archives the record `closing` (a copy that shows it closed, such as the cached one) if it is closed; `related`
   * are the objects holding its decisions (a change's Approvals), whose entries (`DecisionRecorded`, ...) the
   * document carries too. Before sealing, the record is read live: it must be the same record (uid), no older than
   * `closing` and still closed (see {@link liveRecord}); a record deleted meanwhile is "gone", one open again is
   * "open", and a live copy older than `closing` throws {@link ArchiveStaleReadError} (retried).
   */
  async archive(
    archiveClass: ArchiveClass,
    closing: ArchivableObject,
    related: readonly ArchivableObject[] = [],
  ): Promise<ArchiveOutcome> {
    const uid = closing.metadata.uid;
    if (closedAt(archiveClass, closing) === undefined || uid === undefined) return { kind: "open" };
    let row = await this.store.find(archiveClass, uid);
    const stored = row === undefined;
    if (row === undefined) {
      const live = liveRecord(archiveClass, closing, await this.readLive(archiveClass, closing));
      if (live.kind === "gone") return { kind: "gone", problem: live.problem };
      if (live.kind === "reopened") return { kind: "open" };
      if (live.kind === "stale") {
        throw new ArchiveStaleReadError(`Cannot archive ${archiveClass} ${uid} yet: ${live.problem}.`);
      }
      const { object: obj, closedAt: closed } = live;
      const kind = obj.kind ?? ARCHIVED_KIND[archiveClass];
      const entries = await this.entriesAbout([{ ...obj, kind }, ...related]);
      const sealed = sealArchiveDocument({
        class: archiveClass,
        object: { ...obj, kind },
        related,
        entries,
        closedAt: closed,
        archivedAt: this.clock(),
        archivedBy: this.actor,
      });
      row = await this.store.put(sealed);
    }
    const read = readArchiveDocument(row.hash, row.text);
    if (!read.ok) {
      throw new ArchiveDamagedError(
        `The archived document ${row.hash} of ${archiveClass} ${uid} in ${this.store.where} is damaged: ` +
          `${read.problem}. Stagegate will not record it in the audit trail; restore it from a backup.`,
      );
    }
    if ((await this.store.recordOf(row)) !== undefined) {
      return stored ? { kind: "archived", row } : { kind: "already", row };
    }
    const { document } = read.stored;
    await this.audit.record({
      actor: this.actor,
      action: "RecordArchived",
      object: {
        kind: document.object.kind,
        ...(document.object.metadata.namespace === undefined
          ? {}
          : { namespace: document.object.metadata.namespace }),
        name: document.object.metadata.name,
        uid,
      },
      details: {
        class: archiveClass,
        uid,
        documentHash: row.hash,
        closedAt: document.closedAt,
        archivedAt: document.archivedAt,
        entries: document.entries.length,
        lastEntrySeq: document.entries.at(-1)?.seq ?? null,
      },
      // One archive per closed object whoever records it (two replicas, a retry after a crash): ADR 0031.
      transition: transitionId(document.object.kind, uid, "RecordArchived", archiveClass),
    });
    return stored ? { kind: "archived", row } : { kind: "recorded", row };
  }

  /** The entries about the object and its related objects (a change's decisions), once each, in chain order. */
  private async entriesAbout(objects: readonly ArchivableObject[]): Promise<StoredAuditEntry[]> {
    const bySeq = new Map<number, StoredAuditEntry>();
    for (const o of objects) {
      const uid = o.metadata.uid;
      if (uid === undefined || o.kind === undefined) continue;
      const created = o.metadata.creationTimestamp;
      const found = await this.store.entriesAbout({
        kind: o.kind,
        namespace: o.metadata.namespace,
        name: o.metadata.name,
        uid,
        createdAt: created === undefined ? undefined : new Date(created),
      });
      for (const entry of found) bySeq.set(entry.seq, entry);
    }
    return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }
}
