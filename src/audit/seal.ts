import { boundAuditDetails } from "./bounded-details.js";
import { hashAuditEntry } from "./canonical-hash.js";
import { UnsealedAuditEntry, describeIssue, type AuditEntry } from "./entry.js";
import { AuditTrailError } from "./errors.js";
import type { AuditEvent } from "./recorder.js";

/** Where a new entry goes in its chain, and when it was recorded. */
export interface ChainPosition {
  seq: number;
  prevHash: string;
  time: Date;
}

/**
 * Builds the entry an event becomes at `position`: normalised to plain JSON, details bounded, checked as the
 * verifier will check it, and sealed with its hash. Every store (file or database) seals entries here, so one
 * checker verifies them all. Throws an AuditTrailError for an event that cannot be an entry.
 */
export function sealAuditEntry(event: AuditEvent, position: ChainPosition): AuditEntry {
  const what = `${event.action} for ${event.object.kind} ${event.object.name}`;
  let body: Omit<AuditEntry, "hash">;
  try {
    const unsealed = {
      seq: position.seq,
      time: position.time.toISOString(),
      actor: event.actor,
      action: event.action,
      object: event.object,
      details: event.details,
      ...(event.transition === undefined ? {} : { transition: event.transition }),
      prevHash: position.prevHash,
    };
    const plain = JSON.parse(JSON.stringify(unsealed)) as Omit<AuditEntry, "hash">;
    body = { ...plain, details: boundAuditDetails(plain.details) };
  } catch (err) {
    throw new AuditTrailError(`Audit event ${what} cannot be written as JSON: ${describeError(err)}.`, {
      cause: err,
    });
  }
  const checked = UnsealedAuditEntry.safeParse(body);
  if (!checked.success) {
    throw new AuditTrailError(`Audit event ${what} is not a valid entry (${describeIssue(checked.error)}).`);
  }
  return { ...body, hash: hashAuditEntry(body) };
}

/** An error's message, or the thrown value as text. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
