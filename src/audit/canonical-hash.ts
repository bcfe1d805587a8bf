import { createHash } from "node:crypto";

/** A value JSON can represent; the only kind of value an audit entry holds. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The `prevHash` of the first entry of every trail: 64 zeros, so the chain has a fixed, well-known start. */
export const GENESIS_HASH = "0".repeat(64);

/** Raised for a value that has no canonical JSON form (a non-finite number, a function, a bigint, a cycle). */
export class CanonicalJsonError extends Error {
  override readonly name = "CanonicalJsonError";
}

/**
 * Encodes a JSON value with object keys sorted recursively (by UTF-16 code units, as RFC 8785 does) and no
 * whitespace, so equal values always give the same text, whatever order their keys were written in.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, new Set());
}

function encode(value: unknown, ancestors: Set<object>): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`${String(value)} is not a JSON number`);
      return JSON.stringify(value);
    case "object":
      break;
    default:
      throw new CanonicalJsonError(`a ${typeof value} is not a JSON value`);
  }
  if (ancestors.has(value)) throw new CanonicalJsonError("a value that contains itself is not JSON");
  ancestors.add(value);
  let text: string;
  if (Array.isArray(value)) {
    text = `[${value.map((item) => encode(item, ancestors)).join(",")}]`;
  } else {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${encode(record[key], ancestors)}`);
    text = `{${members.join(",")}}`;
  }
  ancestors.delete(value);
  return text;
}

/** The SHA-256 of a text's UTF-8 bytes, as 64 lower-case hex digits. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/**
 * The hash an entry must carry: SHA-256 of the canonical JSON of the entry without its `hash` field. Because
 * the encoding is canonical, reformatting a line or reordering its keys does not change the hash; changing any
 * value does.
 */
export function hashAuditEntry(entry: object): string {
  const body: Record<string, unknown> = { ...entry };
  delete body.hash;
  return sha256Hex(canonicalJson(body));
}
