import { z } from "zod";
import type { AuditAction, AuditObject } from "./recorder.js";

/** The longest line an audit file may hold; a longer one is malformed, which bounds a reader's memory. */
export const MAX_AUDIT_LINE_BYTES = 1024 * 1024;

/**
 * One line of the audit trail as written by this version. `hash` seals every other field and `prevHash` is the
 * previous entry's `hash`, so editing, removing or reordering entries breaks the chain.
 */
export interface AuditEntry {
  /** 1 for the first entry of a file, then one more for each entry. */
  seq: number;
  /** When the entry was recorded, ISO 8601 in UTC (`2026-11-26T07:41:00.000Z`). */
  time: string;
  actor: string;
  action: AuditAction;
  object: AuditObject;
  details: Record<string, unknown>;
  /** The fact's stable id when the recorder was given one: a store holds at most one entry per transition. */
  transition?: string;
  /** The `hash` of the previous entry; 64 zeros for entry 1. */
  prevHash: string;
  /** SHA-256 hex of the canonical JSON of this entry without `hash`. */
  hash: string;
}

/** The longest transition id an entry may carry (object kind, uid, action and a few discriminators fit easily). */
export const MAX_TRANSITION_CHARS = 512;

const hashField = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex digits");

/**
 * The shape of a stored entry, checked before any hash is trusted. Actions are any CamelCase word, so a file
 * written by a newer Stagegate with more actions still verifies.
 */
export const StoredAuditEntry = z.strictObject({
  seq: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  time: z.iso.datetime({ offset: true }),
  actor: z.string().min(1),
  action: z.string().regex(/^[A-Z][A-Za-z0-9]*$/, "must be a CamelCase word"),
  object: z.strictObject({
    kind: z.string().min(1),
    namespace: z.string().optional(),
    name: z.string().min(1),
    uid: z.string().optional(),
  }),
  details: z.record(z.string(), z.json()),
  transition: z.string().min(1).max(MAX_TRANSITION_CHARS).optional(),
  prevHash: hashField,
  hash: hashField,
});
export type StoredAuditEntry = z.infer<typeof StoredAuditEntry>;

/** The shape of an entry before it is hashed, used to refuse an event the verifier would later call malformed. */
export const UnsealedAuditEntry = StoredAuditEntry.omit({ hash: true });

/**
 * A parsed line: the validated entry, plus the object exactly as JSON.parse returned it. The hash must be
 * checked against `raw`, because validation drops what it does not model (such as a `__proto__` key).
 */
export type ParsedAuditLine =
  { ok: true; entry: StoredAuditEntry; raw: Record<string, unknown> } | { ok: false; message: string };

/** Parses one line of an audit file (without its newline), saying in a clause what is wrong when it fails. */
export function parseAuditLine(text: string): ParsedAuditLine {
  if (text.trim() === "") return { ok: false, message: "the line is empty" };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, message: "the line is not valid JSON" };
  }
  const parsed = StoredAuditEntry.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, message: `the line is not an audit entry (${describeIssue(parsed.error)})` };
  }
  return { ok: true, entry: parsed.data, raw: raw as Record<string, unknown> };
}

/** Names the first problem zod found: the field and what is wrong with it. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return "its shape is wrong";
  const field = issue.path.length === 0 ? "the line" : issue.path.map(String).join(".");
  return `${field}: ${issue.message}`;
}
