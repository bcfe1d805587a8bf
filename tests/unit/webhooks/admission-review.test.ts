import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  allowResponse,
  denyResponse,
  parseAdmissionReview,
  reviewAnswer,
} from "../../../src/webhooks/admission-review.js";
import { deny } from "../../../src/webhooks/verdict.js";
import { patchOf } from "./admission-fixtures.js";

const valid = {
  apiVersion: "admission.k8s.io/v1",
  kind: "AdmissionReview",
  request: {
    uid: "705ab4f5-6393-11e8-b7cc-42010a800002",
    kind: { group: "stagegate.io", version: "v1alpha1", kind: "Approval" },
    resource: { group: "stagegate.io", version: "v1alpha1", resource: "approvals" },
    requestKind: { group: "stagegate.io", version: "v1alpha1", kind: "Approval" },
    name: "payments-prod",
    namespace: "team-a",
    operation: "UPDATE",
    userInfo: { username: "alice", uid: "u-1", groups: ["approvers"], extra: { scopes: ["a"] } },
    object: { metadata: { name: "payments-prod" } },
    oldObject: { metadata: { name: "payments-prod" } },
    dryRun: false,
    options: { kind: "UpdateOptions", apiVersion: "meta.k8s.io/v1" },
  },
};

/** `valid` with `request` fields replaced (undefined removes one). */
function withRequest(fields: Record<string, unknown>): unknown {
  const request: Record<string, unknown> = { ...valid.request, ...fields };
  for (const [key, value] of Object.entries(fields)) if (value === undefined) delete request[key];
  return { ...valid, request };
}

describe("parseAdmissionReview", () => {
  it("reads a v1 review, keeping identity and objects and ignoring fields it does not use", () => {
    const parsed = parseAdmissionReview(valid);
    assert.equal(parsed.ok, true);
    if (!parsed.ok) return;
    assert.equal(parsed.request.userInfo.username, "alice");
    assert.deepEqual(parsed.request.userInfo.groups, ["approvers"]);
    assert.equal(parsed.request.operation, "UPDATE");
    assert.equal(parsed.request.dryRun, false);
  });

  it("reads a DELETE (object null) and a review without groups or dryRun", () => {
    const parsed = parseAdmissionReview(
      withRequest({ operation: "DELETE", object: null, userInfo: { username: "bob" }, dryRun: undefined }),
    );
    assert.equal(parsed.ok, true);
    if (parsed.ok) assert.deepEqual([parsed.request.userInfo.groups, parsed.request.dryRun], [[], false]);
  });

  const rows: { situation: string; body: unknown; uid: string | undefined; field: string }[] = [
    {
      situation: "no user name",
      body: withRequest({ userInfo: { groups: [] } }),
      uid: valid.request.uid,
      field: "request.userInfo.username",
    },
    {
      situation: "an unknown operation",
      body: withRequest({ operation: "PATCH" }),
      uid: valid.request.uid,
      field: "request.operation",
    },
    {
      situation: "an object that is not an object",
      body: withRequest({ object: "x" }),
      uid: valid.request.uid,
      field: "request.object",
    },
    {
      situation: "the v1beta1 envelope",
      body: { ...valid, apiVersion: "admission.k8s.io/v1beta1" },
      uid: valid.request.uid,
      field: "apiVersion",
    },
    { situation: "no uid", body: withRequest({ uid: undefined }), uid: undefined, field: "request.uid" },
    {
      situation: "no request at all",
      body: { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" },
      uid: undefined,
      field: "request",
    },
    { situation: "a JSON array", body: [], uid: undefined, field: "(the body)" },
  ];
  for (const row of rows) {
    it(`names the field when the review has ${row.situation}`, () => {
      const parsed = parseAdmissionReview(row.body);
      assert.equal(parsed.ok, false);
      if (parsed.ok) return;
      assert.equal(parsed.field, row.field);
      assert.equal(parsed.uid, row.uid);
    });
  }
});

describe("responses", () => {
  it("encodes a JSONPatch as base64 with patchType, and omits both when there is nothing to patch", () => {
    const ops = [{ op: "add" as const, path: "/spec/requestedBy", value: { username: "bob", groups: [] } }];
    const patched = allowResponse("u", ops);
    assert.equal(patched.patchType, "JSONPatch");
    assert.deepEqual(patchOf(patched), ops);
    assert.deepEqual(allowResponse("u"), { uid: "u", allowed: true });
  });

  const codes: [rule: Parameters<typeof deny>[0], code: number, reason: string][] = [
    ["NotEligible", 403, "Forbidden"],
    ["MalformedRequest", 400, "BadRequest"],
    ["AuditUnavailable", 503, "ServiceUnavailable"],
    ["InternalError", 500, "InternalError"],
  ];
  for (const [rule, code, reason] of codes) {
    it(`denies ${rule} with ${code} ${reason} and a message that starts with the rule`, () => {
      const answer = reviewAnswer(denyResponse("u", deny(rule, "say what to do.")));
      assert.deepEqual(answer, {
        apiVersion: "admission.k8s.io/v1",
        kind: "AdmissionReview",
        response: { uid: "u", allowed: false, status: { code, reason, message: `${rule}: say what to do.` } },
      });
    });
  }
});
