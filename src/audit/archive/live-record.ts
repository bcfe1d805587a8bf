import { closedAt } from "./closed.js";
import type { ArchiveClass } from "./document.js";

/** The identity and state of an object as the archiver compares its cached and live copies. */
export interface RecordCopy {
  metadata: { name: string; uid?: string | undefined; resourceVersion?: string | undefined };
  status?: unknown;
}

/** What a live read of a closed record allows the archiver to seal. */
export type LiveRecord<T extends RecordCopy> =
  /** The API server's object is the closed record, as closed or later, and still closed: seal it. */
  | { kind: "sealable"; object: T; closedAt: Date }
  /** The closed record is no longer in the cluster (deleted, or deleted and another made with its name). */
  | { kind: "gone"; problem: string }
  /** The same record, newer than the closing copy and open again (a Release given a new generation). */
  | { kind: "reopened" }
  /** The live copy is older than the copy that closed, or the two versions cannot be ordered: read again. */
  | { kind: "stale"; problem: string };

/**
 * Decides whether the object the API server returned (`live`, undefined when it answered 404) may be sealed as the
 * record the cache saw close (`closing`). The archive document is on the audit record, so the live copy must be
 * that record: the same uid (a name only says where to look; a record deleted and made again under its name is
 * another record), a resourceVersion not older than the closing one, and closed. Pure.
 */
export function liveRecord<T extends RecordCopy>(
  archiveClass: ArchiveClass,
  closing: RecordCopy,
  live: (T & { metadata: { generation?: number | undefined } }) | undefined,
): LiveRecord<T> {
  const { name, uid } = closing.metadata;
  if (live === undefined) {
    return { kind: "gone", problem: `${name} (uid ${uid ?? "none"}) was deleted before it was archived` };
  }
  if (live.metadata.uid !== uid) {
    return {
      kind: "gone",
      problem:
        `${name} (uid ${uid ?? "none"}) was deleted before it was archived; the object of that name now is ` +
        `another record (uid ${live.metadata.uid ?? "none"})`,
    };
  }
  const order = compareResourceVersions(live.metadata.resourceVersion, closing.metadata.resourceVersion);
  if (order === undefined || order < 0) {
    return {
      kind: "stale",
      problem:
        `the API server returned ${name} at resourceVersion ${live.metadata.resourceVersion ?? "none"}, ` +
        `${order === undefined ? "which cannot be ordered against" : "older than"} the version that closed it ` +
        `(${closing.metadata.resourceVersion ?? "none"})`,
    };
  }
  const closed = closedAt(archiveClass, live);
  return closed === undefined ? { kind: "reopened" } : { kind: "sealable", object: live, closedAt: closed };
}

/**
 * Orders two resourceVersions: negative when `a` is older, 0 when equal, positive when newer; undefined when either
 * is missing or not a decimal number (the API server's are etcd revisions; anything else cannot be ordered).
 */
export function compareResourceVersions(a: string | undefined, b: string | undefined): number | undefined {
  if (a !== undefined && a === b) return 0;
  if (a === undefined || b === undefined || !/^\d+$/.test(a) || !/^\d+$/.test(b)) return undefined;
  const x = BigInt(a);
  const y = BigInt(b);
  return x === y ? 0 : x < y ? -1 : 1;
}
