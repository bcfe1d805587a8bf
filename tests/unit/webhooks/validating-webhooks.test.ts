import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { UserInfo } from "../../../src/webhooks/admission-review.js";
import { validateApproval } from "../../../src/webhooks/approval-webhooks.js";
import { validateChangeRequest } from "../../../src/webhooks/change-request-webhooks.js";
import {
  admissionRequest,
  approvalObject,
  at,
  changeRequestObject,
  HOUR,
  NOW,
  stampedDecision,
  testContext,
  users,
} from "./admission-fixtures.js";

const APPROVAL_OBJECT = { kind: "Approval", namespace: "team-a", name: "payments-prod", uid: "uid-approval" };

describe("validating webhooks and the audit trail", () => {
  const decide = (
    user: UserInfo = users.alice,
    options: { dryRun?: boolean; decisions?: Record<string, unknown> } = {},
  ) =>
    admissionRequest({
      kind: "Approval",
      operation: "UPDATE",
      user,
      oldObject: approvalObject(),
      object: approvalObject({ decisions: options.decisions ?? { [user.username]: stampedDecision(user) } }),
      dryRun: options.dryRun ?? false,
    });

  it("admits a decision without recording it: the Approval controller records it once stored", async () => {
    const { ctx, audit } = testContext();
    const response = await validateApproval(decide(), ctx);
    assert.equal(response.allowed, true);
    assert.deepEqual(audit.entries, []);
  });

  it("records a denial as AdmissionDenied with rule, message and operation", async () => {
    const { ctx, audit } = testContext();
    const response = await validateApproval(decide(users.erin), ctx);
    assert.equal(response.allowed, false);
    assert.equal(response.status?.code, 403);
    assert.deepEqual(audit.entries, [
      {
        actor: "erin",
        action: "AdmissionDenied",
        object: APPROVAL_OBJECT,
        details: { rule: "NotEligible", message: response.status?.message, operation: "UPDATE" },
      },
    ]);
  });

  it("answers a dry run the same way and records nothing", async () => {
    const { ctx, audit } = testContext();
    assert.equal((await validateApproval(decide(users.alice, { dryRun: true }), ctx)).allowed, true);
    assert.equal((await validateApproval(decide(users.erin, { dryRun: true }), ctx)).allowed, false);
    assert.deepEqual(audit.entries, []);
  });

  it("denies an otherwise valid decision when the audit trail cannot record it (fail closed)", async () => {
    const { ctx, audit } = testContext();
    audit.failure = new Error("disk full");
    const response = await validateApproval(decide(), ctx);
    assert.equal(response.allowed, false);
    assert.equal(response.status?.code, 503);
    assert.match(
      response.status?.message ?? "",
      /^AuditUnavailable: the audit trail is unavailable \(disk full\)/,
    );
  });

  it("still denies by the rule when the denial cannot be recorded, and says the trail is down", async () => {
    const { ctx, audit } = testContext();
    audit.failure = new Error("disk full");
    const response = await validateApproval(decide(users.erin), ctx);
    assert.equal(response.allowed, false);
    assert.match(
      response.status?.message ?? "",
      /^NotEligible: .*The audit trail is unavailable too: disk full/,
    );
  });

  it("denies an Approval created with decisions (ApprovalPrefilled)", async () => {
    const { ctx, audit } = testContext();
    const object = approvalObject({ decisions: { alice: stampedDecision(users.alice) } });
    const response = await validateApproval(
      admissionRequest({ kind: "Approval", operation: "CREATE", user: users.admin, object }),
      ctx,
    );
    assert.match(response.status?.message ?? "", /^ApprovalPrefilled: /);
    assert.deepEqual(
      audit.entries.map((e) => e.details.rule),
      ["ApprovalPrefilled"],
    );
  });

  it("admits a ChangeRequest without recording it: the controller records ChangeRequested once stored", async () => {
    const { ctx, audit } = testContext();
    const object = changeRequestObject({ requestedBy: { username: "bob", groups: ["developers"] } });
    const response = await validateChangeRequest(
      admissionRequest({ kind: "ChangeRequest", operation: "CREATE", user: users.bob, object }),
      ctx,
    );
    assert.equal(response.allowed, true);
    assert.deepEqual(audit.entries, []);
    audit.failure = new Error("database down");
    const refused = await validateChangeRequest(
      admissionRequest({ kind: "ChangeRequest", operation: "CREATE", user: users.bob, object }),
      ctx,
    );
    assert.equal(refused.allowed, false, "nothing is admitted that could not be put on record");
    assert.match(refused.status?.message ?? "", /audit trail is unavailable \(database down\)/);
  });

  const emergencyRows = [
    { situation: "within 24h of prod", environment: "prod", expiresAt: at(2 * HOUR), expected: "allowed" },
    {
      situation: "beyond 24h of prod",
      environment: "prod",
      expiresAt: at(30 * HOUR),
      expected: "EmergencyExpiry",
    },
    {
      situation: "for an unknown Environment",
      environment: "nowhere",
      expiresAt: at(HOUR),
      expected: "EmergencyExpiry",
    },
  ];
  for (const row of emergencyRows) {
    it(`judges an Emergency CREATE ${row.situation}: ${row.expected}`, async () => {
      const { ctx } = testContext();
      const object = changeRequestObject({
        environment: row.environment,
        type: "Emergency",
        emergency: { reason: "Payments down.", expiresAt: row.expiresAt },
      });
      const response = await validateChangeRequest(
        admissionRequest({ kind: "ChangeRequest", operation: "CREATE", user: users.bob, object }),
        ctx,
      );
      assert.equal(response.allowed ? "allowed" : response.status?.message.split(":")[0], row.expected);
      if (row.environment === "nowhere") assert.match(response.status?.message ?? "", /Environment nowhere/);
    });
  }

  it("denies an Emergency CREATE when the Environment lookup fails", async () => {
    const { ctx } = testContext();
    ctx.lookupEnvironment = () => Promise.reject(new Error("the cache is not synced"));
    const object = changeRequestObject({
      type: "Emergency",
      emergency: { reason: "x", expiresAt: at(HOUR) },
    });
    const response = await validateChangeRequest(
      admissionRequest({ kind: "ChangeRequest", operation: "CREATE", user: users.bob, object }),
      ctx,
    );
    assert.match(
      response.status?.message ?? "",
      /^EmergencyExpiry: .*could not be read \(the cache is not synced\)/,
    );
  });

  it("refuses to delete a closed ChangeRequest before retainUntil, and allows it after", async () => {
    const oldObject = changeRequestObject({}, { closedAt: at(-HOUR), retainUntil: at(HOUR) });
    const request = admissionRequest({
      kind: "ChangeRequest",
      operation: "DELETE",
      user: users.admin,
      oldObject,
    });
    const before = testContext();
    const denied = await validateChangeRequest(request, before.ctx);
    assert.match(denied.status?.message ?? "", /^RetentionNotOver: ChangeRequest payments-prod closed at /);
    assert.deepEqual(
      before.audit.entries.map((e) => [e.actor, e.details.operation]),
      [["admin", "DELETE"]],
    );
    const after = testContext(undefined, new Date(NOW.getTime() + 2 * HOUR));
    assert.equal((await validateChangeRequest(request, after.ctx)).allowed, true);
  });

  it("refuses to delete a closed Approval before retainUntil", async () => {
    const { ctx } = testContext();
    const oldObject = approvalObject({
      status: { outcome: "Rejected", closedAt: at(-HOUR), retainUntil: at(HOUR) },
    });
    const response = await validateApproval(
      admissionRequest({ kind: "Approval", operation: "DELETE", user: users.admin, oldObject }),
      ctx,
    );
    assert.match(response.status?.message ?? "", /^RetentionNotOver: Approval payments-prod/);
  });
});
