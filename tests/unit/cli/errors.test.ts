import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeApiError } from "../../../src/cli/errors.js";
import { ApiError } from "../../../src/runtime/kube/api-error.js";

const PATH = "PATCH /apis/stagegate.io/v1alpha1/namespaces/payments/approvals/pay-prod";

/** Each row: who refused, the server's status and message, and the sentence the CLI prints. */
const ROWS: [who: string, status: number, reason: string, said: string, printed: string][] = [
  [
    "RBAC",
    403,
    "Forbidden",
    'approvals.stagegate.io "pay-prod" is forbidden: User "dave" cannot patch resource "approvals" in API group "stagegate.io"',
    'The API server refused to record your decision (Forbidden): approvals.stagegate.io "pay-prod" is forbidden: ' +
      'User "dave" cannot patch resource "approvals" in API group "stagegate.io". ' +
      "Ask a cluster administrator for the Stagegate role you need (see docs/rbac.md).",
  ],
  [
    "the admission webhook",
    403,
    "Forbidden",
    'admission webhook "approvals.validate.stagegate.io" denied the request: SeparationOfDuties: bob cannot decide this change under separation of duties (requested the change); ask another approver.',
    'The API server refused to record your decision (Forbidden): admission webhook "approvals.validate.stagegate.io" ' +
      "denied the request: SeparationOfDuties: bob cannot decide this change under separation of duties (requested " +
      "the change); ask another approver.",
  ],
  [
    "a CEL rule",
    422,
    "Invalid",
    'Approval.stagegate.io "pay-prod" is invalid: spec.decisions: Invalid value: "object": a decision once written can be neither changed nor removed',
    'The API server refused to record your decision (Invalid): Approval.stagegate.io "pay-prod" is invalid: ' +
      'spec.decisions: Invalid value: "object": a decision once written can be neither changed nor removed',
  ],
];

describe("how a server refusal is printed", () => {
  for (const [who, status, reason, said, printed] of ROWS) {
    it(`keeps ${who}'s own words, which name the rule`, () => {
      const err = new ApiError(status, reason, `${PATH}: ${said}`);
      assert.equal(describeApiError(err, "record your decision"), printed);
    });
  }
});
