// ADR 0038: the ChangeRequest controller resolves a change from the Approval's stored decisions without waiting for
// the Approval controller's outcome write, and the two always agree. Each row is a set of stored decisions; the
// change is decided once before the Approval's outcome is written (from the count) and once after (from the
// written outcome), and both must equal what the Approval controller writes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ApprovalSpec, ApprovalStatus, Decision } from "../../../src/api/v1alpha1/approval.js";
import { decideApproval } from "../../../src/controllers/change-control/approval-decide.js";
import { approvalDecisionInput } from "../../../src/controllers/change-control/approval-input.js";
import { decideChangeRequest } from "../../../src/controllers/change-control/change-request-decide.js";
import { findCondition } from "../../../src/runtime/conditions.js";
import {
  approvalSpec,
  at,
  crInput,
  crSpec,
  decide,
  environment,
  OPEN,
  ts,
} from "./change-request-fixtures.js";

/** The Approval as the Approval controller leaves it when it opens: counted once, pending, expiring at +72h. */
const PENDING: ApprovalStatus = {
  observedGeneration: 1,
  outcome: "Pending",
  approvals: 0,
  expiresAt: ts(72),
};
const ENV = environment({ requiredApprovals: 1, approvers: { groups: ["approvers"] } }, true);
const METADATA = { name: "change", namespace: "team", uid: "apv-uid", generation: 2 };

interface Row {
  situation: string;
  decisions: Record<string, Decision>;
  spec?: Partial<ApprovalSpec>;
  /** When the change is decided (hours after T0). */
  now: number;
  /** The resolution the change takes before the Approval's outcome is written; undefined: it waits. */
  early: "Approved" | "Rejected" | "Deferred" | undefined;
}

const rows: Row[] = [
  {
    situation: "one approval of one required",
    decisions: { alice: decide.approve(1) },
    now: 2,
    early: "Approved",
  },
  { situation: "a rejection", decisions: { carol: decide.reject(1, "not now") }, now: 2, early: "Rejected" },
  { situation: "a deferral", decisions: { alice: decide.defer(1, 30) }, now: 2, early: "Deferred" },
  {
    situation: "an approval and a rejection at one instant weigh together: rejected",
    decisions: { alice: decide.approve(1), carol: decide.reject(1) },
    now: 2,
    early: "Rejected",
  },
  {
    situation: "one approval of two required waits",
    decisions: { alice: decide.approve(1) },
    spec: { required: 2 },
    now: 2,
    early: undefined,
  },
  {
    situation: "an approval by someone separation of duties excludes does not count",
    decisions: { "grace@example.com": decide.approve(1) },
    spec: { excluded: [{ user: "grace@example.com", reason: "authored commit aaaaaa1" }] },
    now: 2,
    early: undefined,
  },
  {
    situation: "an approval by someone neither listed nor in an eligible group does not count",
    decisions: { mallory: decide.approve(1, []) },
    now: 2,
    early: undefined,
  },
  {
    situation: "the CAB's required approval missing: waits",
    decisions: { alice: decide.approve(1) },
    spec: { eligible: { users: [], groups: ["approvers", "cab"] }, requiredGroups: ["cab"] },
    now: 2,
    early: undefined,
  },
  {
    situation: "the CAB's required approval given",
    decisions: { alice: decide.approve(1), carol: decide.approve(1.5, ["approvers", "cab"]) },
    spec: { eligible: { users: [], groups: ["approvers", "cab"] }, requiredGroups: ["cab"] },
    now: 2,
    early: "Approved",
  },
  {
    situation:
      "an approval decided after the Approval expired: the expiry is left to the Approval controller",
    decisions: { alice: decide.approve(73) },
    now: 74,
    early: undefined,
  },
  {
    situation: "no decision, the expiry passed: left to the Approval controller",
    decisions: {},
    now: 73,
    early: undefined,
  },
];

describe("a change resolves from the stored decisions, and agrees with the Approval's outcome", () => {
  for (const row of rows) {
    it(row.situation, () => {
      const now = at(row.now);
      const spec = approvalSpec({ ...row.spec, decisions: row.decisions });
      const change = { spec: crSpec(), status: OPEN };
      const counted = decideApproval(
        approvalDecisionInput(
          { metadata: METADATA, spec, status: PENDING },
          change,
          ENV.gate.approvalTimeout,
        ),
        now,
      );
      const written = counted.status;
      // The Approval as stored: its decision added (generation 2) after the Approval controller counted it (1).
      const decideWith = (changeStatus: typeof OPEN, status: ApprovalStatus) =>
        decideChangeRequest(
          {
            ...crInput({ status: changeStatus, environment: ENV }),
            approval: { name: "change", metadata: METADATA, spec, status },
          },
          now,
        );
      const before = decideWith(OPEN, PENDING);
      const after = decideWith(OPEN, written);
      assert.equal(before.status.resolution, row.early);
      if (row.early === undefined) {
        assert.deepEqual(before.audit, [], "a change that waits audits nothing");
        return;
      }
      // The Approval controller settles the same outcome, by the same person, at the same instant.
      assert.equal(written.outcome, row.early);
      assert.equal(before.status.resolvedBy, written.decidedBy);
      assert.equal(before.status.resolvedAt, written.decidedAt);
      // Resolved early or from the written outcome: one status, one resolution fact, word for word; early, the
      // decisions it counts go on record first, as the Approval controller records them (same transitions: the
      // trail keeps each once, whichever controller records it first).
      assert.deepEqual(before.status, after.status);
      assert.ok(counted.audit.length > 0);
      assert.deepEqual(before.audit, [...counted.audit, ...after.audit]);
      assert.deepEqual(before.audit.map((e) => e.action).slice(0, counted.audit.length + 1), [
        ...counted.audit.map(() => "DecisionRecorded"),
        `Change${row.early}`,
      ]);
      assert.equal(
        findCondition(before.status.conditions, "Approved")?.message.includes(
          findCondition(written.conditions, "Decided")?.message ?? "(none)",
        ),
        true,
      );
      // Once resolved, the Approval's outcome arriving changes nothing and records nothing again.
      const again = decideWith(before.status, written);
      assert.deepEqual(again.status, before.status);
      assert.deepEqual(again.audit, []);
    });
  }

  it("keeps an outcome the Approval controller wrote even when a recount of the decisions would differ", () => {
    // Approved by alice and settled; carol's later rejection never overturns it (decisions replayed in order).
    const spec = approvalSpec({ decisions: { alice: decide.approve(1), carol: decide.reject(3) } });
    const settled: ApprovalStatus = {
      ...PENDING,
      outcome: "Approved",
      approvals: 1,
      decidedBy: "alice",
      decidedAt: ts(1),
    };
    const decision = decideChangeRequest(
      crInput({ status: OPEN, environment: ENV, approval: { spec, status: settled } }),
      at(4),
    );
    assert.equal(decision.status.resolution, "Approved");
    assert.equal(decision.status.resolvedBy, "alice");
  });

  it("resolves before the Approval controller ever counted the Approval (no status yet)", () => {
    const spec = approvalSpec({ decisions: { alice: decide.approve(1) } });
    const decision = decideChangeRequest(
      crInput({ status: OPEN, environment: ENV, approval: { spec } }),
      at(2),
    );
    assert.equal(decision.status.resolution, "Approved");
    assert.equal(decision.status.resolvedAt, ts(1));
  });
});
