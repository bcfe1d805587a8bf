import type { AuditVerification } from "./verification.js";

/** The audit trail could not take an entry (closed, a failed write, an event it cannot represent). */
export class AuditTrailError extends Error {
  override readonly name: string = "AuditTrailError";
}

/**
 * The existing trail failed verification, so the operator refuses to append to it: appending would bury the
 * damage under valid-looking entries. The message names the first bad line and says to move the file aside.
 */
export class BrokenAuditTrailError extends AuditTrailError {
  override readonly name = "BrokenAuditTrailError";

  constructor(
    readonly path: string,
    readonly verification: Extract<AuditVerification, { ok: false }>,
    message: string,
  ) {
    super(message);
  }
}
