import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { IdentityName } from "../../../hack/local-cluster/index.js";
import { startWebhookHarness, type WebhookHarness } from "./webhook-harness.js";
import {
  approvalManifest,
  getObject,
  kubectlIn,
  kubectlInOrThrow,
  mergePatch,
} from "./webhook-test-objects.js";

const CEL_IMMUTABLE = "a decision once written can be neither changed nor removed";
const GRACE_REASON = "authored commit 3f2a1c9 of payments 2.14.0";
const APPROVAL = "payments-prod";

interface Refusal {
  situation: string;
  identity: IdentityName;
  decisions: Record<string, unknown>;
  says: string;
  /** The webhook rule that refused; none when RBAC or the CRD's CEL refused before the webhook was called. */
  rule?: string;
}

const refusals: Refusal[] = [
  {
    situation: "alice deciding as carol",
    identity: "alice",
    decisions: { carol: { decision: "Approve" } },
    says: "DecisionKeyMismatch: alice cannot decide as carol",
    rule: "DecisionKeyMismatch",
  },
  {
    situation: "grace, who authored a commit (separation of duties, with the reason)",
    identity: "grace",
    decisions: { "grace@example.com": { decision: "Approve" } },
    says: `SeparationOfDuties: grace@example.com cannot decide this change under separation of duties (${GRACE_REASON})`,
    rule: "SeparationOfDuties",
  },
  {
    situation: "erin, who has RBAC but is in no eligible group",
    identity: "erin",
    decisions: { erin: { decision: "Approve" } },
    says: "NotEligible: erin may not decide",
    rule: "NotEligible",
  },
  {
    situation: "carol deciding for herself and dave at once",
    identity: "carol",
    decisions: { carol: { decision: "Approve" }, dave: { decision: "Approve" } },
    says: "MultipleDecisions",
    rule: "MultipleDecisions",
  },
  {
    situation: "bob, whom RBAC does not let patch approvals",
    identity: "bob",
    decisions: { bob: { decision: "Approve" } },
    says: "Forbidden",
  },
  {
    situation: "mallory, who has no role at all",
    identity: "mallory",
    decisions: { mallory: { decision: "Approve" } },
    says: "Forbidden",
  },
  {
    situation: "alice changing her decision (the CRD's CEL rule refuses first)",
    identity: "alice",
    decisions: { alice: { decision: "Reject", comment: "changed my mind" } },
    says: CEL_IMMUTABLE,
  },
  {
    situation: "alice removing her decision (the CRD's CEL rule refuses first)",
    identity: "alice",
    decisions: { alice: null },
    says: CEL_IMMUTABLE,
  },
];

describe("Approval webhooks called by the real API server", () => {
  let h: WebhookHarness;
  let ns = "";
  before(async () => {
    h = await startWebhookHarness("webhooks-approval");
    ns = h.namespace;
    const excluded = [{ user: "grace@example.com", reason: GRACE_REASON }];
    await kubectlInOrThrow("admin", ns, ["create", "-f", "-"], approvalManifest(APPROVAL, { excluded }));
    await kubectlInOrThrow("admin", ns, ["create", "-f", "-"], approvalManifest("settled"));
    const settling = await mergePatch(
      "admin",
      ns,
      "approval/settled",
      { status: { outcome: "Rejected" } },
      "status",
    );
    assert.equal(settling.code, 0, settling.stderr);
  });
  after(async () => {
    await h?.stop();
  });

  const decide = (identity: IdentityName, approval: string, decisions: Record<string, unknown>) =>
    mergePatch(identity, ns, `approval/${approval}`, { spec: { decisions } });
  const decisionsOf = async (approval: string) =>
    (
      (await getObject(ns, `approval/${approval}`)).spec as {
        decisions: Record<string, Record<string, unknown>>;
      }
    ).decisions;

  it("refuses an Approval created with decisions in it", async () => {
    const decisions = { alice: { decision: "Approve", decidedAt: "2030-01-01T00:00:00Z" } };
    const result = await kubectlIn(
      "admin",
      ns,
      ["create", "-f", "-"],
      approvalManifest("prefilled", { decisions }),
    );
    assert.notEqual(result.code, 0);
    assert.ok(
      result.stderr.includes("ApprovalPrefilled: a new Approval must have no decisions"),
      result.stderr,
    );
  });

  it("stores alice's decision with the server's time and her authenticated groups", async () => {
    const mark = h.audit.entries.length;
    const started = Date.now();
    const typed = { decision: "Approve", comment: "ok", decidedAt: "2020-01-01T00:00:00Z" };
    const result = await decide("alice", APPROVAL, { alice: typed });
    assert.equal(result.code, 0, result.stderr);
    const alice = (await decisionsOf(APPROVAL)).alice;
    assert.deepEqual(alice?.groups, ["approvers", "system:authenticated"]);
    const decidedAt = Date.parse(String(alice?.decidedAt));
    assert.ok(
      decidedAt >= started - 1_000 && decidedAt <= Date.now(),
      `decidedAt ${String(alice?.decidedAt)}`,
    );
    // Admission records nothing for it: the Approval controller records the stored decision (ADR 0031).
    assert.deepEqual(h.since(mark), []);
  });

  for (const row of refusals) {
    it(`refuses ${row.situation}`, async () => {
      const before = await decisionsOf(APPROVAL);
      const mark = h.audit.entries.length;
      const result = await decide(row.identity, APPROVAL, row.decisions);
      assert.notEqual(result.code, 0);
      assert.ok(result.stderr.includes(row.says), result.stderr);
      assert.deepEqual(await decisionsOf(APPROVAL), before, "the decisions are unchanged");
      // RBAC and CEL refuse before the webhook is called, so only webhook denials are in the trail.
      const expected =
        row.rule === undefined
          ? []
          : [
              [
                row.identity === "grace" ? "grace@example.com" : row.identity,
                "AdmissionDenied",
                row.rule,
                "UPDATE",
              ],
            ];
      assert.deepEqual(
        h.since(mark).map((e) => [e.actor, e.action, e.details.rule, e.details.operation]),
        expected,
      );
    });
  }

  it("refuses a decision on an approval whose outcome is settled", async () => {
    const result = await decide("alice", "settled", { alice: { decision: "Approve" } });
    assert.notEqual(result.code, 0);
    assert.ok(
      result.stderr.includes("ApprovalClosed: Approval settled is already decided (outcome Rejected)"),
      result.stderr,
    );
    assert.deepEqual(await decisionsOf("settled"), {});
  });

  it("lets an approver label an approval: updates that leave the decisions alone pass", async () => {
    const result = await mergePatch("alice", ns, `approval/${APPROVAL}`, {
      metadata: { labels: { reviewed: "yes" } },
    });
    assert.equal(result.code, 0, result.stderr);
  });

  it("takes carol's decision next to alice's, stamped with her own groups", async () => {
    const result = await decide("carol", APPROVAL, {
      carol: { decision: "Approve", comment: "CAB ok", groups: ["cab"] },
    });
    assert.equal(result.code, 0, result.stderr);
    const decisions = await decisionsOf(APPROVAL);
    assert.deepEqual(Object.keys(decisions).sort(), ["alice", "carol"]);
    assert.deepEqual(decisions.carol?.groups, ["approvers", "cab", "system:authenticated"]);
  });

  it("refuses a decision once the stored decisions settle the count, though no outcome was written (ADR 0038)", async () => {
    // No operator runs here: the status says nothing, yet alice's and carol's approvals already settle it.
    const result = await decide("grace", APPROVAL, { "grace@example.com": { decision: "Reject" } });
    assert.notEqual(result.code, 0);
    assert.ok(
      result.stderr.includes(
        `ApprovalClosed: Approval ${APPROVAL} is already decided by the decisions it holds (outcome Approved, settled by carol`,
      ),
      result.stderr,
    );
    assert.deepEqual(Object.keys(await decisionsOf(APPROVAL)).sort(), ["alice", "carol"]);
  });

  it("records nothing for a dry run, though it is refused the same way", async () => {
    // A pending Approval of its own: the decisions above already settle payments-prod, which takes no more (ADR 0038).
    await kubectlInOrThrow("admin", ns, ["create", "-f", "-"], approvalManifest("dry-run"));
    const mark = h.audit.entries.length;
    const patch = '{"spec":{"decisions":{"erin":{"decision":"Approve"}}}}';
    const result = await kubectlIn("erin", ns, [
      "patch",
      "approval/dry-run",
      "--dry-run=server",
      "--type=merge",
      "-p",
      patch,
    ]);
    assert.ok(result.stderr.includes("NotEligible"), result.stderr);
    assert.deepEqual(h.since(mark), []);
  });

  it("refuses everything, naming the audit trail, while the trail cannot be written (fail closed)", async () => {
    h.audit.failure = new Error("the audit volume is read-only");
    try {
      const result = await decide("erin", APPROVAL, { erin: { decision: "Approve" } });
      assert.ok(result.stderr.includes("The audit trail is unavailable too"), result.stderr);
      await kubectlInOrThrow("admin", ns, ["create", "-f", "-"], approvalManifest("while-down"));
      const approved = await decide("alice", "while-down", { alice: { decision: "Approve" } });
      assert.notEqual(approved.code, 0);
      assert.ok(
        approved.stderr.includes("AuditUnavailable: the audit trail is unavailable"),
        approved.stderr,
      );
      assert.deepEqual(await decisionsOf("while-down"), {}, "nothing admitted unrecorded");
    } finally {
      h.audit.failure = undefined;
    }
  });
});
