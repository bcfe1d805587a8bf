import { z } from "zod";
import { canonicalJson, sha256Hex } from "../canonical-hash.js";
import { StoredAuditEntry } from "../entry.js";

/** The kinds of record that are archived when they close, and that retention policies name. */
export const ArchiveClass = z.enum(["release", "change", "task"]);
export type ArchiveClass = z.infer<typeof ArchiveClass>;

/** The Kubernetes kind each archive class holds. */
export const ARCHIVED_KIND: Record<ArchiveClass, string> = {
  release: "Release",
  change: "ChangeRequest",
  task: "DeploymentTask",
};

/** The format name every archive document carries, so a reader can refuse one it does not know. */
export const ARCHIVE_FORMAT = "stagegate.io/archive/v1";

/** An object as archived: what identifies it, and its spec and status exactly as the cluster held them. */
const ArchivedObject = z.looseObject({
  apiVersion: z.string().optional(),
  kind: z.string().min(1),
  metadata: z.looseObject({
    name: z.string().min(1),
    namespace: z.string().optional(),
    uid: z.string().min(1),
  }),
});
export type ArchivedObject = z.infer<typeof ArchivedObject>;

/**
 * One closed record, archived: the object (metadata without managedFields, spec, status), the objects that hold
 * its decisions (a change's Approvals), the audit entries about it exactly as the chain holds them, and when and
 * by whom it was archived. Stored as its canonical JSON, whose SHA-256 is the document's hash.
 */
export const ArchiveDocument = z.strictObject({
  format: z.literal(ARCHIVE_FORMAT),
  class: ArchiveClass,
  object: ArchivedObject,
  related: z.array(ArchivedObject),
  entries: z.array(StoredAuditEntry),
  /** Entries about the object beyond the document's bound that were left out (the chain still holds them). */
  entriesOmitted: z.number().int().nonnegative(),
  closedAt: z.iso.datetime({ offset: true }),
  archivedAt: z.iso.datetime({ offset: true }),
  archivedBy: z.string().min(1),
});
export type ArchiveDocument = z.infer<typeof ArchiveDocument>;

/** A document as stored: its canonical text and that text's SHA-256. */
export interface StoredArchiveDocument {
  hash: string;
  text: string;
  document: ArchiveDocument;
}

/** The most audit entries one document holds; more are counted in `entriesOmitted`, so a document stays bounded. */
export const MAX_ARCHIVED_ENTRIES = 5000;

/** What the archiver gathered about one closed object. */
export interface ArchiveInput {
  class: ArchiveClass;
  object: { apiVersion?: string | undefined; kind?: string | undefined; metadata: object } & Record<
    string,
    unknown
  >;
  related: readonly ({ metadata: object } & Record<string, unknown>)[];
  entries: readonly StoredAuditEntry[];
  closedAt: Date;
  archivedAt: Date;
  archivedBy: string;
}

/**
 * Builds a closed object's archive document and seals it: managedFields dropped (they say which tool wrote which
 * field, not what the record is), entries bounded, the whole checked against the schema a reader uses, and
 * written as canonical JSON so the same document always has the same hash. Throws when the object has no uid.
 */
export function sealArchiveDocument(input: ArchiveInput): StoredArchiveDocument {
  const kept = input.entries.slice(0, MAX_ARCHIVED_ENTRIES);
  const document = ArchiveDocument.parse({
    format: ARCHIVE_FORMAT,
    class: input.class,
    object: withoutManagedFields(input.object),
    related: input.related.map(withoutManagedFields),
    entries: kept,
    entriesOmitted: input.entries.length - kept.length,
    closedAt: input.closedAt.toISOString(),
    archivedAt: input.archivedAt.toISOString(),
    archivedBy: input.archivedBy,
  });
  const text = canonicalJson(document);
  return { hash: sha256Hex(text), text, document };
}

/** The result of reading a stored document back: the document when its text is sound and hashes to `hash`. */
export type ReadArchiveDocument =
  { ok: true; stored: StoredArchiveDocument } | { ok: false; hash: string; problem: string };

/**
 * Reads a stored document and checks it: its text must hash to the hash it is stored under (else it was changed
 * after it was written), be canonical JSON, and be an archive document. Never changes anything.
 */
export function readArchiveDocument(hash: string, text: string): ReadArchiveDocument {
  const actual = sha256Hex(text);
  if (actual !== hash) {
    return {
      ok: false,
      hash,
      problem: `its content hashes to ${actual}, not ${hash}, so it was changed after it was archived`,
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, hash, problem: "it is not valid JSON" };
  }
  const parsed = ArchiveDocument.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue === undefined ? "the document" : issue.path.map(String).join(".") || "the document";
    return {
      ok: false,
      hash,
      problem: `it is not an archive document (${field}: ${issue?.message ?? "bad shape"})`,
    };
  }
  if (canonicalJson(raw) !== text) return { ok: false, hash, problem: "it is not in canonical JSON form" };
  return { ok: true, stored: { hash, text, document: parsed.data } };
}

function withoutManagedFields(obj: { metadata: object } & Record<string, unknown>): Record<string, unknown> {
  const metadata: Record<string, unknown> = { ...(obj.metadata as Record<string, unknown>) };
  delete metadata.managedFields;
  return JSON.parse(JSON.stringify({ ...obj, metadata })) as Record<string, unknown>;
}
