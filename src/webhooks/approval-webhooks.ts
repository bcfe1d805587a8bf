import { z } from "zod";
import { ApprovalView, ClosableObject, readObject } from "./admitted-objects.js";
import { lateDeclarer } from "./approval-declarers.js";
import { approvalPrefilled, checkApprovalUpdate } from "./approval-rules.js";
import { refuse, settle } from "./audit-outcome.js";
import { decisionChanges } from "./decision-changes.js";
import { retentionNotOver } from "./retention.js";
import { decisionStamps } from "./stamping.js";
import { ALLOWED } from "./verdict.js";
import type { AdmissionHandler } from "./webhook-context.js";

/** The mutating webhook reads decisions before schema validation, so it accepts any JSON in the entries. */
const RawDecisions = z.looseObject({
  spec: z
    .looseObject({ decisions: z.record(z.string(), z.unknown()).default({}) })
    .default({ decisions: {} }),
});

/**
 * `/mutate/approvals`: on UPDATE, stamps each decision the request adds with `decidedAt` (the server's time, whole
 * seconds) and `groups` (the authenticated groups), replacing whatever the approver typed.
 */
export const mutateApproval: AdmissionHandler = async (request, ctx) => {
  if (request.operation !== "UPDATE") return settle(request, ctx, ALLOWED);
  const after = readObject(RawDecisions, request.object, "object");
  if (!after.ok) return refuse(request, ctx, after.denial);
  const before = readObject(RawDecisions, request.oldObject, "oldObject");
  if (!before.ok) return refuse(request, ctx, before.denial);
  const decisions = after.value.spec.decisions;
  const { added } = decisionChanges(before.value.spec.decisions, decisions);
  return settle(request, ctx, ALLOWED, {
    patch: decisionStamps(added, decisions, request.userInfo, ctx.now()),
  });
};

/**
 * `/validate/approvals`: nobody creates an Approval with decisions; an UPDATE adds at most the requester's own
 * decision, as an eligible user who is neither excluded nor has declared the release since (ADR 0069), with a
 * server-stamped time, to an approval still pending; existing
 * decisions never change; a closed approval is kept until `status.retainUntil`. A denial is recorded here; an
 * admitted decision is recorded by the Approval controller once stored.
 */
export const validateApproval: AdmissionHandler = async (request, ctx) => {
  const now = ctx.now();
  switch (request.operation) {
    case "DELETE": {
      const old = readObject(ClosableObject, request.oldObject, "oldObject");
      if (!old.ok) return refuse(request, ctx, old.denial);
      return settle(request, ctx, retentionNotOver({ kind: "Approval", object: old.value, now }));
    }
    case "CREATE": {
      const approval = readObject(ApprovalView, request.object, "object");
      if (!approval.ok) return refuse(request, ctx, approval.denial);
      return settle(request, ctx, approvalPrefilled(approval.value));
    }
    case "UPDATE": {
      const after = readObject(ApprovalView, request.object, "object");
      if (!after.ok) return refuse(request, ctx, after.denial);
      const before = readObject(ApprovalView, request.oldObject, "oldObject");
      if (!before.ok) return refuse(request, ctx, before.denial);
      const changes = decisionChanges(before.value.spec.decisions, after.value.spec.decisions);
      const rules = checkApprovalUpdate({
        before: before.value,
        after: after.value,
        user: request.userInfo,
        now,
        changes,
      });
      // A person who changed the release after its Approval opened is its declarer now, though not in spec.excluded.
      const verdict =
        rules.allowed && changes.added.length > 0
          ? await lateDeclarer(after.value, request.userInfo, ctx)
          : rules;
      // An admitted decision is recorded as `DecisionRecorded` by the Approval controller once the API server
      // stored it (ADR 0031); a denial is recorded here.
      return settle(request, ctx, verdict, { recordedOnceStored: changes.added.length > 0 });
    }
    default:
      return settle(request, ctx, ALLOWED);
  }
};
