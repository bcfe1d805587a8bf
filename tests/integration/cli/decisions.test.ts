import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { API_VERSION } from "../../../src/api/v1alpha1/group.js";
import { approvals, changeRequests } from "../../../src/cli/change-control.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { clientFor, createTestNamespace } from "../../support/kube.js";
import { openChange, readApproval, stagegateAs } from "./cli-helpers.js";

/** Asserts a time the CLI stamped lies within [from, to], give or take a second for RFC 3339 rounding. */
function assertWithin(stamp: string | undefined, from: number, to: number): void {
  const at = new Date(stamp ?? "").getTime();
  assert.ok(
    at >= from - 1_000 && at <= to + 1_000,
    `${stamp} is not between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}`,
  );
}

describe("stagegate approve, reject and defer against the real API server", () => {
  let admin: KubeClient;
  let ns = "";
  before(async () => {
    admin = await clientFor("admin");
    ns = await createTestNamespace(admin, "cli-decide");
  });
  after(async () => {
    await admin.delete(builtin.namespace, ns);
    admin.close();
  });

  it("stores alice's Approve with her comment, keyed by her user name", async () => {
    await openChange(admin, ns, "approve-alice");
    const from = Date.now();
    const result = await stagegateAs("alice", [
      "approve",
      "approve-alice",
      "-n",
      ns,
      "--comment",
      "UAT evidence complete",
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /alice approved ChangeRequest "approve-alice" .*1 of 2 approvals so far/);
    const stored = (await readApproval(admin, ns, "approve-alice")).spec.decisions;
    assert.deepEqual(Object.keys(stored), ["alice"]);
    assert.equal(stored.alice?.decision, "Approve");
    assert.equal(stored.alice?.comment, "UAT evidence complete");
    assertWithin(stored.alice?.decidedAt, from, Date.now());
  });

  it("refuses a second decision by the same approver, prints the first and leaves it as it was", async () => {
    await openChange(admin, ns, "approve-twice");
    assert.equal(
      (await stagegateAs("alice", ["approve", "approve-twice", "-n", ns, "--comment", "ok"])).code,
      0,
    );
    const first = (await readApproval(admin, ns, "approve-twice")).spec.decisions.alice;
    const again = await stagegateAs("alice", ["reject", "approve-twice", "-n", ns]);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /you \(alice\) already decided ChangeRequest "approve-twice": Approve at \S+ \("ok"\)/,
    );
    assert.deepEqual((await readApproval(admin, ns, "approve-twice")).spec.decisions, { alice: first });
  });

  it("stores carol's Reject with her comment", async () => {
    await openChange(admin, ns, "reject-carol");
    const result = await stagegateAs("carol", [
      "reject",
      "reject-carol",
      "-n",
      ns,
      "--comment",
      "No rollback plan",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const stored = (await readApproval(admin, ns, "reject-carol")).spec.decisions;
    assert.deepEqual(
      { decision: stored.carol?.decision, comment: stored.carol?.comment },
      { decision: "Reject", comment: "No rollback plan" },
    );
  });

  it("stores a Defer with its revisit time, and refuses a Defer without one (exit 2, nothing written)", async () => {
    await openChange(admin, ns, "defer-grace");
    const refused = await stagegateAs("grace", ["defer", "defer-grace", "-n", ns]);
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /--revisit-in DURATION \(e\.g\. 24h\) or --revisit-at TIME \(RFC 3339\) is required/,
    );
    assert.deepEqual((await readApproval(admin, ns, "defer-grace")).spec.decisions, {});

    const from = Date.now();
    const result = await stagegateAs("grace", [
      "defer",
      "defer-grace",
      "-n",
      ns,
      "--revisit-in",
      "24h",
      "-o",
      "json",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const stored = (await readApproval(admin, ns, "defer-grace")).spec.decisions["grace@example.com"];
    assert.equal(stored?.decision, "Defer");
    assertWithin(stored?.revisitAt, from + 86_400_000, Date.now() + 86_400_000);
    assert.deepEqual((JSON.parse(result.stdout) as { decision: unknown }).decision, stored);
  });

  const forbidden: [identity: "mallory" | "dave", why: string, verb: RegExp][] = [
    ["mallory", "has no Stagegate role", /User "mallory" cannot get resource "changerequests"/],
    [
      "dave",
      "is a release manager who may read but not patch Approvals",
      /User "dave" cannot patch resource "approvals"/,
    ],
  ];
  for (const [identity, why, message] of forbidden) {
    it(`fails with exit 1 and RBAC's Forbidden when ${identity} ${why}`, async () => {
      const name = `forbidden-${identity}`;
      await openChange(admin, ns, name);
      const result = await stagegateAs(identity, ["approve", name, "-n", ns]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /\(Forbidden\)/);
      assert.match(result.stderr, message);
      assert.deepEqual((await readApproval(admin, ns, name)).spec.decisions, {});
    });
  }

  it("decides the Approval of the current round named by status.approvalRef", async () => {
    // Round 1 was deferred; the operator (played by admin) opened round 2 and pointed the change at it.
    await openChange(admin, ns, "round-two");
    await admin.create(
      approvals,
      {
        apiVersion: API_VERSION,
        kind: "Approval",
        metadata: { name: "round-two-r2" },
        spec: { changeRequestRef: { name: "round-two" }, required: 2, eligible: { groups: ["approvers"] } },
      },
      ns,
    );
    await admin.patch(
      changeRequests,
      "round-two",
      ns,
      { status: { round: 2, approvalRef: { name: "round-two-r2" } } },
      { type: "merge", subresource: "status" },
    );
    const result = await stagegateAs("alice", ["approve", "round-two", "-n", ns]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await readApproval(admin, ns, "round-two-r2")).spec.decisions.alice?.decision, "Approve");
    assert.deepEqual((await readApproval(admin, ns, "round-two")).spec.decisions, {});
  });

  it("says so when the ChangeRequest does not exist, or has no Approval yet", async () => {
    const missing = await stagegateAs("alice", ["approve", "no-such-change", "-n", ns]);
    assert.equal(missing.code, 1);
    assert.match(
      missing.stderr,
      new RegExp(`ChangeRequest "no-such-change" does not exist in namespace "${ns}"`),
    );

    await openChange(admin, ns, "not-opened", { approvalName: null });
    const unopened = await stagegateAs("alice", ["approve", "not-opened", "-n", ns]);
    assert.equal(unopened.code, 1);
    assert.match(
      unopened.stderr,
      /ChangeRequest "not-opened" in namespace "\S+" has no Approval "not-opened" yet/,
    );
  });
});
