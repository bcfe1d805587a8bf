import type { ApprovalStatus } from "../../api/v1alpha1/approval.js";
import type { AuditEvent } from "../../audit/recorder.js";
import type { ChangeRequestSpec, ChangeRequestStatus } from "../../api/v1alpha1/change-request.js";
import { decideApproval } from "./approval-decide.js";
import { approvalDecisionInput, type ReadApproval } from "./approval-input.js";

/** Outcomes the stored decisions settle by themselves, whatever the clock says later. */
const SETTLED_BY_DECISIONS = new Set(["Approved", "Rejected", "Deferred"]);

/** The Approval status a change resolves from, and whether it is the Approval controller's stored one. */
export interface ResolvingOutcome {
  status: ApprovalStatus | undefined;
  /** True when the status is the count of the stored decisions, not yet written by the Approval controller. */
  recounted: boolean;
  /**
   * For a recount, the `DecisionRecorded` entries of the decisions it counts, exactly as the Approval controller
   * records them (same entries, same transitions, so the trail keeps each once): they go on record before the
   * resolution that counts them, whichever controller writes first (ADR 0031).
   */
  decisions: AuditEvent[];
}

/**
 * The Approval status a ChangeRequest resolves from (ADR 0038). Once the Approval controller has written a settled
 * outcome, that one. Before, the status the Approval controller is deciding right now: {@link decideApproval}
 * over the same input ({@link approvalDecisionInput}: the stored Approval, its change, its Environment's
 * timeout), taken only when the stored decisions settle it (Approved, Rejected, Deferred). Those decisions are
 * trusted exactly as the Approval controller trusts them: keyed, stamped and frozen by admission and the CRD, the
 * spec that counts them fixed by the operator at creation; nothing a user can write counts here that does not
 * count there. Admission admits no decision once the stored ones settle the count (`approvalSettled`), so every
 * reader of a settled count reads the same decisions, and the change's resolution and the Approval's outcome always
 * agree. An expiry is left to the Approval controller's write: it turns on the clock, and a decision stamped before
 * `expiresAt` may still be on its way. A recount also returns the decisions' `DecisionRecorded` entries, so the
 * trail has each decision before the resolution that counts it. Pure.
 */
export function resolvingOutcome(
  approval: ReadApproval,
  change: { spec: ChangeRequestSpec; status?: ChangeRequestStatus | undefined },
  approvalTimeout: string | undefined,
  now: Date,
): ResolvingOutcome {
  const stored = approval.status?.outcome ?? "Pending";
  const asStored: ResolvingOutcome = { status: approval.status, recounted: false, decisions: [] };
  if (stored !== "Pending") return asStored;
  const counted = decideApproval(approvalDecisionInput(approval, change, approvalTimeout), now);
  return SETTLED_BY_DECISIONS.has(counted.status.outcome ?? "Pending")
    ? { status: counted.status, recounted: true, decisions: counted.audit }
    : asStored;
}
