// Normal changes in a regulated environment, reconciled by the ChangeRequest and Approval controllers running
// as the operator identity against the real API server: the Approval a round opens (who may decide, who may
// not, how many must), approval, rejection, and the audit trail each leaves, in order.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resources } from "../../../src/controllers/resources.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import {
  condition,
  createChange,
  decideAs,
  openedApproval,
  markUsed,
  ms,
  read,
  useWorld,
  setUpRegulatedProd,
  waitForStatus,
} from "./change-control-world.js";

const HOUR = 3_600_000;
const OPERATOR = "stagegate-operator";

describe("change control: Normal changes in a regulated environment", () => {
  let prod = "";
  const w = useWorld("cc-normal", async (world) => {
    prod = await setUpRegulatedProd(world);
  });

  it("opens an Approval with the policy's required, eligible and separation-of-duties exclusions", async () => {
    await createChange(w(), "open-me", { release: "api-1", environment: prod });
    const approval = await openedApproval(w(), "open-me");
    const change = await read(w(), resources.changeRequest, "open-me");
    assert.deepEqual(approval.spec, {
      changeRequestRef: { name: "open-me" },
      required: 2,
      eligible: { users: [], groups: ["approvers"] },
      requiredGroups: [],
      excluded: [
        { user: "dave", reason: "requested the change" },
        { user: "grace@example.com", reason: approvalReason(approval, "grace@example.com") },
        { user: "Grace Hopper", reason: approvalReason(approval, "Grace Hopper") },
        { user: "bob@example.com", reason: approvalReason(approval, "bob@example.com") },
        { user: "Bob Builder", reason: approvalReason(approval, "Bob Builder") },
      ],
      decisions: {},
    });
    assert.match(
      approvalReason(approval, "grace@example.com"),
      /^authored commits [0-9a-f]{7}, [0-9a-f]{7}$/,
    );
    assert.deepEqual(approval.metadata.ownerReferences?.[0], {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "ChangeRequest",
      name: "open-me",
      uid: change?.metadata.uid,
      controller: true,
    });
    const status = (approval.status ?? {}) as { expiresAt?: string; outcome?: string };
    assert.equal(status.outcome, "Pending");
    assert.equal(ms(status.expiresAt), ms(approval.metadata.creationTimestamp) + 72 * HOUR);

    const cr = await waitForStatus(w(), resources.changeRequest, "open-me", "to await decisions", (s) =>
      (condition(s, "Approved")?.message ?? "").includes("waiting for 2 more approvals"),
    );
    assert.deepEqual(
      [cr.round, cr.approvalRef, cr.riskClass, cr.riskRule],
      [1, { name: "open-me" }, "medium", "RegulatedEnvironment"],
    );
    assert.equal(condition(cr, "Approved")?.reason, "AwaitingDecision");
    assert.deepEqual([condition(cr, "Closed")?.status, condition(cr, "Closed")?.reason], ["False", "Open"]);
    assert.deepEqual(w().audit.trail(w().namespace, "open-me"), [
      "dave ChangeRequested",
      `${OPERATOR} ApprovalOpened`,
    ]);
  });

  it("approves with two eligible approvals, ignoring an excluded author's, then closes once used", async () => {
    await createChange(w(), "approve-me", { release: "api-1", environment: prod });
    await openedApproval(w(), "approve-me");
    await decideAs(w(), "approve-me", "grace@example.com", ["approvers"], "Approve");
    await decideAs(w(), "approve-me", "alice", ["approvers"], "Approve", { comment: "Looks good." });
    const pending = await waitForStatus(w(), resources.approval, "approve-me", "to count alice", (s) =>
      (condition(s, "Decided")?.message ?? "").includes("(alice)"),
    );
    assert.equal(pending.outcome, "Pending");
    assert.equal(pending.approvals, 1);
    assert.match(
      condition(pending, "Decided")?.message ?? "",
      /not counted: grace@example\.com \(excluded: /,
    );

    const carolAt = await decideAs(w(), "approve-me", "carol", ["approvers", "cab"], "Approve");
    const cr = await waitForStatus(
      w(),
      resources.changeRequest,
      "approve-me",
      "to be approved",
      (s) => s.resolution === "Approved",
    );
    assert.equal(cr.resolvedBy, "carol");
    assert.equal(ms(cr.resolvedAt), ms(carolAt));
    assert.deepEqual(
      [condition(cr, "Approved")?.status, condition(cr, "Approved")?.reason],
      ["True", "Approved"],
    );
    assert.equal(condition(cr, "Closed")?.reason, "AwaitingUse");
    const approval = await waitForStatus(
      w(),
      resources.approval,
      "approve-me",
      "approved",
      (s) => s.outcome === "Approved",
    );
    assert.deepEqual([approval.decidedBy, approval.approvals], ["carol", 2]);

    await markUsed(w(), "approve-me");
    const closed = await waitForStatus(
      w(),
      resources.changeRequest,
      "approve-me",
      "to close",
      (s) => typeof s.closedAt === "string",
    );
    assert.equal(ms(closed.retainUntil), ms(closed.closedAt) + 2160 * HOUR);
    assert.deepEqual(
      [condition(closed, "Closed")?.status, condition(closed, "Closed")?.reason],
      ["True", "Used"],
    );
    const closedApproval = await waitForStatus(
      w(),
      resources.approval,
      "approve-me",
      "to close",
      (s) => typeof s.closedAt === "string",
    );
    assert.deepEqual(
      [closedApproval.closedAt, closedApproval.retainUntil],
      [closed.closedAt, closed.retainUntil],
    );
    assert.deepEqual(w().audit.trail(w().namespace, "approve-me"), [
      "dave ChangeRequested",
      `${OPERATOR} ApprovalOpened`,
      "alice DecisionRecorded",
      "carol DecisionRecorded",
      "grace@example.com DecisionRecorded",
      `${OPERATOR} ChangeApproved`,
      `${OPERATOR} ChangeClosed`,
    ]);
    const approved = w()
      .audit.aboutChange(w().namespace, "approve-me")
      .find((e) => e.action === "ChangeApproved");
    assert.deepEqual(approved?.details.approvers, ["alice", "carol"]);
  });

  it("rejects on one Reject and closes the change and its Approval at once", async () => {
    await createChange(w(), "reject-me", { release: "api-1", environment: prod });
    await openedApproval(w(), "reject-me");
    await decideAs(w(), "reject-me", "alice", ["approvers"], "Approve");
    await decideAs(w(), "reject-me", "carol", ["approvers"], "Reject", { comment: "No rollback plan." });
    const cr = await waitForStatus(
      w(),
      resources.changeRequest,
      "reject-me",
      "to close rejected",
      (s) => s.resolution === "Rejected" && typeof s.closedAt === "string",
    );
    assert.equal(cr.resolvedBy, "carol");
    assert.equal(ms(cr.retainUntil), ms(cr.closedAt) + 2160 * HOUR);
    assert.deepEqual(
      [condition(cr, "Approved")?.status, condition(cr, "Approved")?.reason],
      ["False", "Rejected"],
    );
    assert.deepEqual(
      [condition(cr, "Closed")?.status, condition(cr, "Closed")?.reason],
      ["True", "Rejected"],
    );
    const approval = await waitForStatus(
      w(),
      resources.approval,
      "reject-me",
      "to close",
      (s) => typeof s.closedAt === "string",
    );
    assert.deepEqual(
      [approval.outcome, approval.decidedBy, approval.closedAt, approval.retainUntil],
      ["Rejected", "carol", cr.closedAt, cr.retainUntil],
    );
    assert.deepEqual(w().audit.trail(w().namespace, "reject-me"), [
      "dave ChangeRequested",
      `${OPERATOR} ApprovalOpened`,
      "alice DecisionRecorded",
      "carol DecisionRecorded",
      `${OPERATOR} ChangeRejected`,
      `${OPERATOR} ChangeClosed`,
    ]);
    const rejected = w()
      .audit.aboutChange(w().namespace, "reject-me")
      .find((e) => e.action === "ChangeRejected");
    assert.equal(rejected?.details.comment, "No rollback plan.");
  });
});

/** The exclusion reason an Approval gives for `user`. */
function approvalReason(approval: KubeObject, user: string): string {
  const excluded = (approval.spec as { excluded?: { user: string; reason: string }[] }).excluded ?? [];
  return excluded.find((e) => e.user === user)?.reason ?? "";
}
