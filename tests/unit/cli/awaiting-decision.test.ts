import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assessAwaitingDecision } from "../../../src/cli/awaiting-decision.js";
import { ApprovalObject } from "../../../src/cli/change-control.js";
import type { Identity } from "../../../src/runtime/kube/self-review.js";

const alice: Identity = { username: "alice", groups: ["approvers", "system:authenticated"] };
const grace: Identity = { username: "grace@example.com", groups: ["approvers"] };
const bob: Identity = { username: "bob", groups: ["developers"] };
const olga: Identity = { username: "olga", groups: [] };

/** An Approval as the server would return it, with the spec and status fields a row overrides. */
function approval(spec: Record<string, unknown> = {}, status?: Record<string, unknown>): ApprovalObject {
  return ApprovalObject.parse({
    metadata: { name: "pay-prod", namespace: "payments" },
    spec: {
      changeRequestRef: { name: "pay-prod" },
      required: 2,
      eligible: { groups: ["approvers"] },
      ...spec,
    },
    ...(status === undefined ? {} : { status }),
  });
}

const decided = { decision: "Approve", decidedAt: "2026-12-05T14:12:00Z" };

/** Each row: a situation, and whether it waits for the identity's decision or the reason it does not. */
const ROWS: [situation: string, approval: ApprovalObject, me: Identity, reason: string][] = [
  ["eligible by group, not counted by the operator yet", approval(), alice, "AwaitingYou"],
  ["eligible by group, counted Pending", approval({}, { outcome: "Pending" }), alice, "AwaitingYou"],
  ["eligible by user name only", approval({ eligible: { users: ["olga"] } }), olga, "AwaitingYou"],
  ["another approver decided, I did not", approval({ decisions: { carol: decided } }), alice, "AwaitingYou"],
  ["I already decided", approval({ decisions: { alice: decided } }), alice, "AlreadyDecided"],
  ["not eligible by user or group", approval(), bob, "NotEligible"],
  [
    "excluded by separation of duties",
    approval({ excluded: [{ user: "grace@example.com", reason: "authored commit 3f2a1c9" }] }),
    grace,
    "Excluded",
  ],
  [
    "excluded under another spelling of the same e-mail",
    approval({ excluded: [{ user: "Grace@Example.com", reason: "authored commit 3f2a1c9" }] }),
    grace,
    "Excluded",
  ],
  ["already approved", approval({}, { outcome: "Approved" }), alice, "Settled"],
  ["expired", approval({}, { outcome: "Expired" }), alice, "Settled"],
  ["closed", approval({}, { outcome: "Rejected", closedAt: "2026-12-06T10:00:00Z" }), alice, "Closed"],
];

describe("whether an Approval waits for my decision", () => {
  for (const [situation, input, me, reason] of ROWS) {
    it(`${situation}: ${reason}`, () => {
      const result = assessAwaitingDecision(input, me);
      assert.equal(result.reason, reason, result.message);
      assert.equal(result.pass, reason === "AwaitingYou");
    });
  }

  it("says which decision I already made", () => {
    const result = assessAwaitingDecision(approval({ decisions: { alice: decided } }), alice);
    assert.equal(result.message, "You decided Approve at 2026-12-05T14:12:00Z.");
  });
});
