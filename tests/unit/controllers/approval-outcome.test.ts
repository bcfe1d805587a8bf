import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { z } from "zod";
import type { ApprovalSpec, ApprovalOutcome } from "../../../src/api/v1alpha1/approval.js";
import { countDecisions } from "../../../src/controllers/change-control/outcome.js";
import { approvalSpec, at, decide, ts } from "./change-request-fixtures.js";

interface Row {
  situation: string;
  spec: Partial<z.input<typeof ApprovalSpec>>;
  /** Hours after T0 when the approval expires; none when absent. */
  expires?: number;
  /** Hours after T0 when counted. */
  now?: number;
  expected: {
    outcome: ApprovalOutcome;
    approvals: number;
    decidedBy?: string;
    decidedAt?: string;
    revisitAt?: string;
    missingGroups?: string[];
    ignored?: string[];
  };
}

const CAB = {
  required: 2,
  eligible: { groups: ["approvers", "cab"] },
  requiredGroups: ["cab"],
};

const rows: Row[] = [
  {
    situation: "no decisions yet: pending",
    spec: {},
    expected: { outcome: "Pending", approvals: 0 },
  },
  {
    situation: "one eligible Approve of one required: approved by that approver at their time",
    spec: { decisions: { alice: decide.approve(1) } },
    expected: { outcome: "Approved", approvals: 1, decidedBy: "alice", decidedAt: ts(1) },
  },
  {
    situation: "one Reject rejects even after an earlier Approve of two required",
    spec: {
      required: 2,
      decisions: { alice: decide.approve(1), carol: decide.reject(2, "no rollback plan") },
    },
    expected: { outcome: "Rejected", approvals: 1, decidedBy: "carol", decidedAt: ts(2) },
  },
  {
    situation: "a Reject after the outcome settled does not overturn it",
    spec: { decisions: { alice: decide.approve(1), carol: decide.reject(2) } },
    expected: { outcome: "Approved", approvals: 1, decidedBy: "alice", decidedAt: ts(1) },
  },
  {
    situation: "a Reject and an Approve at the same instant: the Reject wins",
    spec: { decisions: { alice: decide.approve(1), carol: decide.reject(1) } },
    expected: { outcome: "Rejected", approvals: 1, decidedBy: "carol" },
  },
  {
    situation: "Defer defers until its revisitAt",
    spec: { required: 2, decisions: { alice: decide.defer(1, 48) } },
    expected: { outcome: "Deferred", approvals: 0, decidedBy: "alice", revisitAt: ts(48) },
  },
  {
    situation: "two Defers at one instant: the earliest revisitAt",
    spec: { required: 2, decisions: { alice: decide.defer(1, 48), carol: decide.defer(1, 24) } },
    expected: { outcome: "Deferred", approvals: 0, decidedBy: "alice", revisitAt: ts(24) },
  },
  {
    situation: "Reject beats Defer at the same instant",
    spec: { decisions: { alice: decide.defer(1, 48), carol: decide.reject(1) } },
    expected: { outcome: "Rejected", approvals: 0, decidedBy: "carol" },
  },
  {
    situation: "two approvers but no CAB member: pending, waiting for cab",
    spec: { ...CAB, decisions: { alice: decide.approve(1), olga: decide.approve(2) } },
    expected: { outcome: "Pending", approvals: 2, missingGroups: ["cab"] },
  },
  {
    situation: "a CAB member's Approve completes both the count and the group",
    spec: { ...CAB, decisions: { alice: decide.approve(1), carol: decide.approve(2, ["approvers", "cab"]) } },
    expected: { outcome: "Approved", approvals: 2, decidedBy: "carol", decidedAt: ts(2), missingGroups: [] },
  },
  {
    situation: "a CAB Approve first, then the second approval settles it",
    spec: { ...CAB, decisions: { carol: decide.approve(1, ["cab"]), alice: decide.approve(3) } },
    expected: { outcome: "Approved", approvals: 2, decidedBy: "alice", decidedAt: ts(3) },
  },
  {
    situation: "an excluded user's Approve does not count (compared case-insensitively)",
    spec: {
      excluded: [{ user: "Grace@Example.com", reason: "authored commit 3f2a1c9" }],
      decisions: { "grace@example.com": decide.approve(1) },
    },
    expected: {
      outcome: "Pending",
      approvals: 0,
      ignored: ["grace@example.com: excluded: authored commit 3f2a1c9"],
    },
  },
  {
    situation: "an excluded user's Reject does not reject either",
    spec: {
      excluded: [{ user: "dave", reason: "requested the change" }],
      decisions: { dave: decide.reject(1), alice: decide.approve(2) },
    },
    expected: {
      outcome: "Approved",
      approvals: 1,
      decidedBy: "alice",
      ignored: ["dave: excluded: requested the change"],
    },
  },
  {
    situation: "an ineligible user's Approve does not count",
    spec: { decisions: { mallory: decide.approve(1, ["developers"]) } },
    expected: { outcome: "Pending", approvals: 0, ignored: ["mallory: not eligible"] },
  },
  {
    situation: "a user listed by name is eligible whatever their groups",
    spec: { eligible: { users: ["olga"] }, decisions: { olga: decide.approve(1, []) } },
    expected: { outcome: "Approved", approvals: 1, decidedBy: "olga" },
  },
  {
    situation: "past expiresAt without enough approvals: expired by the operator at the expiry instant",
    spec: { required: 2, decisions: { alice: decide.approve(1) } },
    expires: 72,
    now: 72,
    expected: { outcome: "Expired", approvals: 1, decidedBy: "stagegate-operator", decidedAt: ts(72) },
  },
  {
    situation: "one millisecond before expiresAt: still pending",
    spec: {},
    expires: 72,
    now: 72 - 1 / 3_600_000,
    expected: { outcome: "Pending", approvals: 0 },
  },
  {
    situation: "a decision made after the expiry does not count",
    spec: { decisions: { alice: decide.approve(73) } },
    expires: 72,
    now: 74,
    expected: {
      outcome: "Expired",
      approvals: 0,
      decidedBy: "stagegate-operator",
      ignored: ["alice: decided after the approval expired at 2030-01-04T00:00:00Z"],
    },
  },
  {
    situation: "settled before the expiry: the expiry does not matter",
    spec: { decisions: { alice: decide.approve(71) } },
    expires: 72,
    now: 80,
    expected: { outcome: "Approved", approvals: 1, decidedBy: "alice" },
  },
];

describe("countDecisions", () => {
  for (const row of rows) {
    it(row.situation, () => {
      const verdict = countDecisions(
        approvalSpec(row.spec),
        row.expires === undefined ? undefined : at(row.expires),
        at(row.now ?? 10),
      );
      const { expected } = row;
      assert.equal(verdict.outcome, expected.outcome);
      assert.equal(verdict.approvals, expected.approvals);
      assert.equal(verdict.decidedBy, expected.decidedBy);
      if (expected.decidedAt !== undefined) assert.equal(verdict.decidedAt, expected.decidedAt);
      assert.equal(verdict.revisitAt, expected.revisitAt);
      if (expected.missingGroups !== undefined)
        assert.deepEqual(verdict.missingGroups, expected.missingGroups);
      assert.deepEqual(
        verdict.ignored.map((i) => `${i.user}: ${i.why}`),
        expected.ignored ?? [],
      );
    });
  }
});
