import type { ApprovalStatus } from "../../api/v1alpha1/approval.js";
import type { ApprovalEscalation } from "../../api/v1alpha1/escalation.js";
import type { EscalationStep } from "../../api/v1alpha1/escalation-status.js";
import type { Owner } from "../../api/v1alpha1/meta.js";
import { decideEscalation } from "../../policy/escalation.js";
import { parseDuration, parseTimestamp } from "../../runtime/duration.js";
import type { ApprovalDecision } from "./approval-decide.js";
import { escalationEntry } from "../escalation-audit.js";

/** What the escalation of one Approval reads besides its decided status. */
export interface ApprovalEscalationInput {
  metadata: {
    name: string;
    namespace?: string | undefined;
    uid?: string | undefined;
    creationTimestamp?: string | undefined;
  };
  /** The Environment's approval chain; undefined when it has none. */
  chain: ApprovalEscalation | undefined;
  /** The stored escalation state, kept across passes. */
  previous: ApprovalStatus["escalation"];
  /** The environment's approvers (users and groups), the release manager and the CAB group. */
  approvers: readonly Owner[];
  releaseManager?: Owner | undefined;
  cabGroup?: string | undefined;
}

/**
 * Adds the approval SLA's escalation to a decided Approval: the SLA counts from the Approval's creation (the request),
 * and the chain moves while the outcome is Pending; each level reached gets one `ApprovalEscalated` entry (its
 * transition is the Approval and the level) recorded before the status that stores it, and the next level's time is
 * when to look again. Pure.
 */
export function withApprovalEscalation(
  decision: ApprovalDecision,
  input: ApprovalEscalationInput,
  now: Date,
): ApprovalDecision & { escalated: EscalationStep[] } {
  const created = parseTimestamp(input.metadata.creationTimestamp ?? "");
  if (input.chain === undefined || created === undefined) {
    const kept =
      input.previous === undefined ? decision.status : { ...decision.status, escalation: input.previous };
    return { ...decision, status: kept, escalated: [] };
  }
  const open = decision.status.outcome === undefined || decision.status.outcome === "Pending";
  const esc = decideEscalation(
    {
      levels: input.chain.levels,
      breachAt: new Date(created.getTime() + parseDuration(input.chain.sla)),
      open: open && decision.status.closedAt === undefined,
      previous: input.previous,
      roles: { owners: input.approvers, releaseManager: input.releaseManager, cabGroup: input.cabGroup },
    },
    now,
  );
  const status = esc.status === undefined ? decision.status : { ...decision.status, escalation: esc.status };
  const waits = [decision.requeueAfterMs, esc.requeueAfterMs].filter((ms): ms is number => ms !== undefined);
  return {
    ...decision,
    status,
    audit: [
      ...decision.audit,
      ...esc.reached.map((step) => escalationEntry({ kind: "Approval", ...input.metadata }, step)),
    ],
    ...(waits.length === 0 ? {} : { requeueAfterMs: Math.min(...waits) }),
    escalated: esc.reached,
  };
}
