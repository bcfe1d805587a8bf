import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ApprovalSpec, ApprovalStatus } from "../../../src/api/v1alpha1/approval.js";
import {
  decideApproval,
  type ApprovalDecisionInput,
} from "../../../src/controllers/change-control/approval-decide.js";
import { findCondition } from "../../../src/runtime/conditions.js";
import { HOUR, approvalSpec, at, decide, ts } from "./change-request-fixtures.js";

function input(options: {
  spec?: ApprovalSpec;
  status?: ApprovalStatus;
  type?: "Normal" | "Emergency";
  emergencyExpires?: number;
  closedAt?: string;
  retainUntil?: string;
  approvalTimeout?: string | null;
}): ApprovalDecisionInput {
  return {
    metadata: { name: "change", generation: 3, creationTimestamp: ts(0) },
    spec: options.spec ?? approvalSpec({ required: 2 }),
    status: options.status,
    changeRequest: {
      type: options.type ?? "Normal",
      ...(options.emergencyExpires === undefined ? {} : { emergencyExpiresAt: ts(options.emergencyExpires) }),
      ...(options.closedAt === undefined ? {} : { closedAt: options.closedAt }),
      ...(options.retainUntil === undefined ? {} : { retainUntil: options.retainUntil }),
    },
    approvalTimeout: options.approvalTimeout === null ? undefined : (options.approvalTimeout ?? "72h"),
  };
}

describe("decideApproval: expiry", () => {
  const rows: {
    situation: string;
    options: Parameters<typeof input>[0];
    now: number;
    expiresAt?: string;
    requeueAfterMs?: number;
  }[] = [
    {
      situation: "a fresh approval expires at creation plus approvalTimeout, and wakes exactly then",
      options: {},
      now: 1,
      expiresAt: ts(72),
      requeueAfterMs: 71 * HOUR,
    },
    {
      situation: "an emergency expiring before the timeout caps the expiry",
      options: { type: "Emergency", emergencyExpires: 6 },
      now: 0,
      expiresAt: ts(6),
      requeueAfterMs: 6 * HOUR,
    },
    {
      situation: "an emergency expiring after the timeout keeps the timeout",
      options: { type: "Emergency", emergencyExpires: 100 },
      now: 0,
      expiresAt: ts(72),
      requeueAfterMs: 72 * HOUR,
    },
    {
      situation: "a Normal change ignores an emergency expiry",
      options: { type: "Normal", emergencyExpires: 6 },
      now: 0,
      expiresAt: ts(72),
      requeueAfterMs: 72 * HOUR,
    },
    {
      situation: "without the Environment the expiry is unknown and nothing is scheduled",
      options: { approvalTimeout: null },
      now: 0,
    },
    {
      situation: "a stamped expiry is kept even when the Environment's timeout changed",
      options: { approvalTimeout: "1h", status: { expiresAt: ts(72) } },
      now: 2,
      expiresAt: ts(72),
      requeueAfterMs: 70 * HOUR,
    },
  ];
  for (const row of rows) {
    it(row.situation, () => {
      const decision = decideApproval(input(row.options), at(row.now));
      assert.equal(decision.status.expiresAt, row.expiresAt);
      assert.equal(decision.requeueAfterMs, row.requeueAfterMs);
      assert.equal(decision.status.outcome, "Pending");
      const decided = findCondition(decision.status.conditions, "Decided");
      assert.deepEqual([decided?.status, decided?.reason], ["Unknown", "AwaitingDecision"]);
    });
  }
});

describe("decideApproval: outcome and closing", () => {
  it("expires at exactly expiresAt, decided by the operator (the change's ChangeExpired announces it)", () => {
    const decision = decideApproval(input({}), at(72));
    assert.equal(decision.status.outcome, "Expired");
    assert.equal(decision.status.decidedBy, "stagegate-operator");
    assert.equal(decision.status.decidedAt, ts(72));
    assert.equal(decision.requeueAfterMs, undefined);
    const decided = findCondition(decision.status.conditions, "Decided");
    assert.deepEqual([decided?.status, decided?.reason, decided?.observedGeneration], ["True", "Expired", 3]);
  });

  it("settles once: a later Reject does not overturn an Approved outcome", () => {
    const spec = approvalSpec({ decisions: { alice: decide.approve(1) } });
    const first = decideApproval(input({ spec }), at(2));
    assert.equal(first.status.outcome, "Approved");
    const later = approvalSpec({ decisions: { alice: decide.approve(1), carol: decide.reject(3) } });
    const second = decideApproval(input({ spec: later, status: first.status }), at(4));
    assert.equal(second.status.outcome, "Approved");
    assert.equal(second.status.decidedBy, "alice");
    assert.deepEqual(second.status.conditions, first.status.conditions);
  });

  it("explains progress while pending, naming the missing group and ignored decisions", () => {
    const spec = approvalSpec({
      required: 2,
      eligible: { groups: ["approvers", "cab"] },
      requiredGroups: ["cab"],
      excluded: [{ user: "bob", reason: "requested the change" }],
      decisions: { alice: decide.approve(1), bob: decide.approve(1) },
    });
    const decision = decideApproval(input({ spec }), at(2));
    const message = findCondition(decision.status.conditions, "Decided")?.message ?? "";
    assert.equal(
      message,
      "1 of 2 required approvals (alice); waiting for 1 more approval and an approval from a member of group " +
        "cab; it expires at 2030-01-04T00:00:00Z; not counted: bob (excluded: requested the change).",
    );
    assert.equal(decision.status.approvals, 1);
  });

  it("mirrors the ChangeRequest's closedAt and retainUntil, keeping the settled outcome", () => {
    const spec = approvalSpec({ decisions: { carol: decide.reject(1, "too risky") } });
    const decided = decideApproval(input({ spec }), at(2)).status;
    assert.equal(decided.outcome, "Rejected");
    assert.equal(
      findCondition(decided.conditions, "Decided")?.message,
      'Rejected by carol at 2030-01-01T01:00:00Z with the comment "too risky".',
    );
    const closed = decideApproval(
      input({ spec, status: decided, closedAt: ts(3), retainUntil: ts(2163) }),
      at(3),
    ).status;
    assert.deepEqual([closed.closedAt, closed.retainUntil], [ts(3), ts(2163)]);
    assert.equal(closed.outcome, "Rejected");
    assert.equal(closed.decidedBy, "carol");
  });
});
