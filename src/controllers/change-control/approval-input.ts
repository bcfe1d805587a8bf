import type { ApprovalSpec, ApprovalStatus } from "../../api/v1alpha1/approval.js";
import type { ChangeRequestSpec, ChangeRequestStatus } from "../../api/v1alpha1/change-request.js";
import type { ApprovalDecisionInput } from "./approval-decide.js";

/** The Approval as both change-control controllers read it: the stored object, parsed. */
export interface ReadApproval {
  metadata: ApprovalDecisionInput["metadata"];
  spec: ApprovalSpec;
  status?: ApprovalStatus | undefined;
}

/**
 * The input of {@link decideApproval} for one Approval, built the same way by the Approval controller (which
 * writes the outcome) and the ChangeRequest controller (which resolves the change from the same count without
 * waiting for that write, ADR 0038): the Approval as stored, the parts of its ChangeRequest that bound its life
 * (type, emergency expiry, closing), and its Environment's `gate.approvalTimeout`. One builder, so the two
 * controllers can never read the Approval differently. Pure.
 */
export function approvalDecisionInput(
  approval: ReadApproval,
  change: { spec: ChangeRequestSpec; status?: ChangeRequestStatus | undefined } | undefined,
  approvalTimeout: string | undefined,
): ApprovalDecisionInput {
  const closedAt = change?.status?.closedAt;
  const retainUntil = change?.status?.retainUntil;
  const emergencyExpiresAt = change?.spec.emergency?.expiresAt;
  return {
    metadata: approval.metadata,
    spec: approval.spec,
    status: approval.status,
    changeRequest:
      change === undefined
        ? undefined
        : {
            type: change.spec.type,
            ...(emergencyExpiresAt === undefined ? {} : { emergencyExpiresAt }),
            ...(closedAt === undefined ? {} : { closedAt }),
            ...(retainUntil === undefined ? {} : { retainUntil }),
          },
    approvalTimeout,
  };
}
