import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { UserInfo } from "../../../src/webhooks/admission-review.js";
import { ApprovalView } from "../../../src/webhooks/admitted-objects.js";
import { approvalPrefilled, checkApprovalUpdate } from "../../../src/webhooks/approval-rules.js";
import { decisionChanges } from "../../../src/webhooks/decision-changes.js";
import type { RuleName } from "../../../src/webhooks/verdict.js";
import { approvalObject, at, HOUR, NOW, stampedDecision, users } from "./admission-fixtures.js";

const aliceDecided = { alice: stampedDecision(users.alice) };
const GRACE_REASON = "authored commit 3f2a1c9 of the release";

interface Row {
  situation: string;
  user: UserInfo;
  before?: Parameters<typeof approvalObject>[0];
  after: Parameters<typeof approvalObject>[0];
  expected: "allowed" | RuleName;
  /** Words the denial message must contain. */
  says?: string[];
}

const rows: Row[] = [
  {
    situation: "alice defers to a time ahead: allowed",
    user: users.alice,
    after: { decisions: { alice: { ...stampedDecision(users.alice, "Defer"), revisitAt: at(HOUR) } } },
    expected: "allowed",
  },
  {
    situation: "alice defers to a time already gone: refused, naming revisitAt and the fix",
    user: users.alice,
    after: { decisions: { alice: { ...stampedDecision(users.alice, "Defer"), revisitAt: at(-HOUR) } } },
    expected: "RevisitInPast",
    says: ['spec.decisions["alice"].revisitAt', "must name a future time", "set revisitAt later"],
  },
  {
    situation: "alice defers to exactly the server's time: refused (it is not ahead)",
    user: users.alice,
    after: { decisions: { alice: { ...stampedDecision(users.alice, "Defer"), revisitAt: at(0) } } },
    expected: "RevisitInPast",
  },
  {
    situation: "an update that leaves the decisions alone (labels) passes, whoever sends it",
    user: users.bob,
    before: { decisions: aliceDecided },
    after: { decisions: aliceDecided },
    expected: "allowed",
  },
  {
    situation: "alice, in an eligible group, adds her own stamped decision",
    user: users.alice,
    after: { decisions: aliceDecided },
    expected: "allowed",
  },
  {
    situation: "a listed eligible user outside every eligible group may decide",
    user: users.erin,
    after: { eligible: { users: ["erin"], groups: [] }, decisions: { erin: stampedDecision(users.erin) } },
    expected: "allowed",
  },
  {
    situation: "carol decides after alice, two approvals required: one new entry, alice's untouched",
    user: users.carol,
    before: { required: 2, decisions: aliceDecided },
    after: {
      required: 2,
      decisions: { ...aliceDecided, carol: stampedDecision(users.carol, "Reject", "no") },
    },
    expected: "allowed",
  },
  {
    situation:
      "carol rejects after alice's approval settled the count, before the operator wrote the outcome (ADR 0038)",
    user: users.carol,
    before: { decisions: aliceDecided, status: { outcome: "Pending" } },
    after: {
      decisions: { ...aliceDecided, carol: stampedDecision(users.carol, "Reject", "no") },
      status: { outcome: "Pending" },
    },
    expected: "ApprovalClosed",
    says: ["already decided by the decisions it holds", "outcome Approved", "settled by alice"],
  },
  {
    situation: "carol decides once the stored expiry has passed, before the operator wrote Expired",
    user: users.carol,
    before: { status: { outcome: "Pending", expiresAt: at(-HOUR) } },
    after: {
      decisions: { carol: stampedDecision(users.carol) },
      status: { outcome: "Pending", expiresAt: at(-HOUR) },
    },
    expected: "ApprovalClosed",
    says: ["outcome Expired"],
  },
  {
    situation:
      "a stored decision that does not count (an ineligible decider) settles nothing: alice may decide",
    user: users.alice,
    before: { decisions: { bob: stampedDecision(users.bob) } },
    after: { decisions: { bob: stampedDecision(users.bob), ...aliceDecided } },
    expected: "allowed",
  },
  {
    situation: "an explicit Pending outcome still takes decisions",
    user: users.alice,
    before: { status: { outcome: "Pending" } },
    after: { status: { outcome: "Pending" }, decisions: aliceDecided },
    expected: "allowed",
  },
  {
    situation: "alice decides under carol's name",
    user: users.alice,
    after: { decisions: { carol: stampedDecision(users.alice) } },
    expected: "DecisionKeyMismatch",
    says: ["alice cannot decide as carol"],
  },
  {
    situation: "alice adds two decisions in one request",
    user: users.alice,
    after: { decisions: { ...aliceDecided, carol: stampedDecision(users.alice) } },
    expected: "MultipleDecisions",
    says: ["alice, carol"],
  },
  {
    situation: "erin is in neither an eligible group nor the user list",
    user: users.erin,
    after: { decisions: { erin: stampedDecision(users.erin) } },
    expected: "NotEligible",
    says: ["erin may not decide", "approvers"],
  },
  {
    situation:
      "grace is excluded (separation of duties), matched case-insensitively, and the reason is given",
    user: users.grace,
    after: {
      excluded: [{ user: "Grace@Example.com", reason: GRACE_REASON }],
      decisions: { "grace@example.com": stampedDecision(users.grace) },
    },
    expected: "SeparationOfDuties",
    says: [GRACE_REASON, "ask another approver"],
  },
  {
    situation: "an excluded user who is not eligible either hears NotEligible first",
    user: users.bob,
    after: {
      excluded: [{ user: "bob", reason: "requested the change" }],
      decisions: { bob: stampedDecision(users.bob) },
    },
    expected: "NotEligible",
  },
  {
    situation: "a decidedAt from 2020 (the mutating webhook did not run)",
    user: users.alice,
    after: { decisions: { alice: { ...stampedDecision(users.alice), decidedAt: "2020-01-01T00:00:00Z" } } },
    expected: "DecisionTimeForged",
    says: ["2020-01-01T00:00:00Z"],
  },
  {
    situation: "a decidedAt 59 s before the webhook's clock is within tolerance",
    user: users.alice,
    after: { decisions: { alice: { ...stampedDecision(users.alice), decidedAt: at(-59_000) } } },
    expected: "allowed",
  },
  {
    situation: "a decidedAt 61 s in the future is forged",
    user: users.alice,
    after: { decisions: { alice: { ...stampedDecision(users.alice), decidedAt: at(61_000) } } },
    expected: "DecisionTimeForged",
  },
  {
    situation: "a decision without decidedAt",
    user: users.alice,
    after: { decisions: { alice: { decision: "Approve", groups: [...users.alice.groups] } } },
    expected: "DecisionTimeForged",
    says: ["missing"],
  },
  {
    situation: "alice claims the cab group she is not in",
    user: users.alice,
    after: { decisions: { alice: { ...stampedDecision(users.alice), groups: ["approvers", "cab"] } } },
    expected: "DecisionGroupsForged",
  },
  {
    situation: "alice edits her own decision",
    user: users.alice,
    before: { decisions: aliceDecided },
    after: { decisions: { alice: { ...stampedDecision(users.alice), decision: "Reject" } } },
    expected: "DecisionImmutable",
    says: ["alice"],
  },
  {
    situation: "alice removes her decision",
    user: users.alice,
    before: { decisions: aliceDecided },
    after: { decisions: {} },
    expected: "DecisionImmutable",
  },
  {
    situation: "carol edits alice's decision while adding her own: the edit is named first",
    user: users.carol,
    before: { decisions: aliceDecided },
    after: {
      decisions: {
        alice: { ...stampedDecision(users.alice), comment: "changed" },
        carol: stampedDecision(users.carol),
      },
    },
    expected: "DecisionImmutable",
  },
  {
    situation: "carol decides after the outcome is settled (Approved, not yet closed)",
    user: users.carol,
    before: { decisions: aliceDecided, status: { outcome: "Approved" } },
    after: {
      decisions: { ...aliceDecided, carol: stampedDecision(users.carol) },
      status: { outcome: "Approved" },
    },
    expected: "ApprovalClosed",
    says: ["Approved"],
  },
  {
    situation: "carol decides on a closed approval",
    user: users.carol,
    before: { status: { outcome: "Expired", closedAt: at(-3_600_000) } },
    after: { decisions: { carol: stampedDecision(users.carol) }, status: { outcome: "Expired" } },
    expected: "ApprovalClosed",
    says: ["closed at"],
  },
];

describe("Approval UPDATE rules", () => {
  for (const row of rows) {
    it(`${row.situation}: ${row.expected}`, () => {
      const before = ApprovalView.parse(approvalObject(row.before));
      const after = ApprovalView.parse(approvalObject(row.after));
      const changes = decisionChanges(before.spec.decisions, after.spec.decisions);
      const verdict = checkApprovalUpdate({ before, after, user: row.user, now: NOW, changes });
      if (row.expected === "allowed") {
        assert.deepEqual(verdict, { allowed: true });
        return;
      }
      assert.equal(verdict.allowed, false);
      if (verdict.allowed) return;
      assert.equal(verdict.rule, row.expected, verdict.message);
      for (const words of row.says ?? []) assert.ok(verdict.message.includes(words), verdict.message);
    });
  }
});

describe("Approval CREATE rule", () => {
  const cases: { situation: string; decisions: Record<string, unknown>; expected: "allowed" | RuleName }[] = [
    { situation: "an empty Approval as the operator opens it", decisions: {}, expected: "allowed" },
    {
      situation: "an Approval pre-filled with alice's decision",
      decisions: aliceDecided,
      expected: "ApprovalPrefilled",
    },
  ];
  for (const row of cases) {
    it(`${row.situation}: ${row.expected}`, () => {
      const verdict = approvalPrefilled(ApprovalView.parse(approvalObject({ decisions: row.decisions })));
      assert.equal(verdict.allowed ? "allowed" : verdict.rule, row.expected);
    });
  }
});

describe("decisionChanges", () => {
  it("tells added, changed and removed keys apart, ignoring key order inside entries", () => {
    const before = { alice: { decision: "Approve", comment: "ok" }, bob: { decision: "Reject" }, dan: {} };
    const after = { alice: { comment: "ok", decision: "Approve" }, bob: { decision: "Defer" }, erin: {} };
    assert.deepEqual(decisionChanges(before, after), { added: ["erin"], changed: ["bob"], removed: ["dan"] });
  });
});
