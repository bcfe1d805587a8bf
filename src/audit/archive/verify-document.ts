import { hashAuditEntry } from "../canonical-hash.js";
import { readArchiveDocument } from "./document.js";
import { RECORD_ARCHIVED, type ArchiveRow, type ArchiveStore } from "./store.js";

/** What checking one archived document found. */
export interface ArchiveDocumentVerification {
  hash: string;
  class: string;
  uid: string;
  ok: boolean;
  /** The seq of the chain entry that records the document, when there is one. */
  recordedAt?: number;
  /** Why the document cannot be trusted, as a clause. */
  problem?: string;
}

/**
 * Checks one stored document without changing anything: its text must hash to the hash it is stored under, be
 * an archive document about the object it is filed under, and be recorded by a `RecordArchived` entry whose own
 * hash seals it and whose details name the same hash, class and uid. Whether that entry belongs to an intact
 * chain is the chain verifier's to say (the CLI runs both).
 */
export async function verifyArchivedDocument(
  store: ArchiveStore,
  row: ArchiveRow,
): Promise<ArchiveDocumentVerification> {
  const base = { hash: row.hash, class: row.class, uid: row.uid };
  const read = readArchiveDocument(row.hash, row.text);
  if (!read.ok) return { ...base, ok: false, problem: read.problem };
  const { document } = read.stored;
  if (document.class !== row.class || document.object.metadata.uid !== row.uid) {
    return { ...base, ok: false, problem: "it is filed under another class or object than it describes" };
  }
  const record = await store.recordOf(row);
  if (record === undefined) {
    return { ...base, ok: false, problem: `no ${RECORD_ARCHIVED} entry in the audit trail records its hash` };
  }
  if (hashAuditEntry(record) !== record.hash) {
    return {
      ...base,
      ok: false,
      recordedAt: record.seq,
      problem: `the ${RECORD_ARCHIVED} entry ${record.seq} that records it was edited after it was written`,
    };
  }
  if (record.details.class !== row.class || record.details.uid !== row.uid) {
    return {
      ...base,
      ok: false,
      recordedAt: record.seq,
      problem: `the ${RECORD_ARCHIVED} entry ${record.seq} records it for another class or object`,
    };
  }
  return { ...base, ok: true, recordedAt: record.seq };
}
