import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mutateApproval } from "../../../src/webhooks/approval-webhooks.js";
import { mutateChangeRequest } from "../../../src/webhooks/change-request-webhooks.js";
import {
  admissionRequest,
  applyPatch,
  approvalObject,
  changeRequestObject,
  patchOf,
  stampedDecision,
  testContext,
  users,
} from "./admission-fixtures.js";

describe("mutating webhooks", () => {
  it("stamps requestedBy from the identity on CREATE, overwriting a forged one, and records nothing", async () => {
    const { ctx, audit } = testContext();
    const object = changeRequestObject({ requestedBy: { username: "mallory", groups: ["cab"] } });
    const response = await mutateChangeRequest(
      admissionRequest({ kind: "ChangeRequest", operation: "CREATE", user: users.bob, object }),
      ctx,
    );
    assert.equal(response.allowed, true);
    const stamped = applyPatch(object, patchOf(response)) as { spec: { requestedBy: unknown } };
    assert.deepEqual(stamped.spec.requestedBy, {
      username: "bob",
      groups: ["developers", "system:authenticated"],
    });
    assert.deepEqual(audit.entries, []);
  });

  it("denies a ChangeRequest without a spec (MalformedRequest naming the field) and records the denial", async () => {
    const { ctx, audit } = testContext();
    const response = await mutateChangeRequest(
      admissionRequest({
        kind: "ChangeRequest",
        operation: "CREATE",
        user: users.bob,
        object: { metadata: {} },
      }),
      ctx,
    );
    assert.equal(response.allowed, false);
    assert.match(response.status?.message ?? "", /^MalformedRequest: request\.object\.spec /);
    assert.deepEqual(
      audit.entries.map((e) => [e.action, e.actor, e.details.rule]),
      [["AdmissionDenied", "bob", "MalformedRequest"]],
    );
  });

  it("stamps decidedAt and groups on the new decision only", async () => {
    const { ctx } = testContext();
    const oldObject = approvalObject({ decisions: { carol: stampedDecision(users.carol) } });
    const object = approvalObject({
      decisions: {
        carol: stampedDecision(users.carol),
        alice: { decision: "Approve", comment: "ok", decidedAt: "2020-01-01T00:00:00Z", groups: ["cab"] },
      },
    });
    const request = admissionRequest({
      kind: "Approval",
      operation: "UPDATE",
      user: users.alice,
      object,
      oldObject,
    });
    const response = await mutateApproval(request, ctx);
    const after = applyPatch(object, patchOf(response)) as { spec: { decisions: Record<string, unknown> } };
    assert.deepEqual(after.spec.decisions, {
      carol: stampedDecision(users.carol),
      alice: {
        decision: "Approve",
        comment: "ok",
        decidedAt: "2030-01-01T12:00:00Z",
        groups: [...users.alice.groups],
      },
    });
  });
});
