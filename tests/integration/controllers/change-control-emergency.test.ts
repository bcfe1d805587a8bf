// Emergency changes: approved by the emergency approvers alone, followed by a post-implementation review task
// that the operator opens and moves once the change is used, and expired when approved but never used.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resources } from "../../../src/controllers/resources.js";
import {
  commitsBy,
  condition,
  createChange,
  createEnvironment,
  createRelease,
  decideAs,
  markUsed,
  ms,
  read,
  useWorld,
  waitForStatus,
} from "./change-control-world.js";

const HOUR = 3_600_000;
const OPERATOR = "stagegate-operator";
const BOB = { username: "bob", groups: ["developers", "oncall", "system:authenticated"] };

describe("change control: Emergency changes", () => {
  let env = "";
  const w = useWorld("cc-emergency", async (world) => {
    env = world.unique("prod");
    await createEnvironment(world, env, {
      regulated: true,
      gate: {
        commitAuthorSource: "Declared",
        requiredApprovals: 2,
        approvers: { groups: ["approvers"] },
        cabRiskClasses: ["critical"],
        emergency: { approverGroups: ["emergency-approvers"], reviewDueAfter: "2h" },
      },
    });
    await createRelease(world, "hotfix-1", env, commitsBy(1, "Bob Builder", "bob@example.com"));
  });

  it("is approved by one emergency approver and opens the review task, which moves once the change is used", async () => {
    const expiresAt = new Date(Date.now() + HOUR).toISOString();
    await createChange(
      w(),
      "hotfix",
      { release: "hotfix-1", environment: env, type: "Emergency", emergencyExpiresAt: expiresAt },
      BOB,
    );
    await waitForStatus(w(), resources.approval, "hotfix", "to be opened", (s) => s.outcome === "Pending");
    const approval = await read(w(), resources.approval, "hotfix");
    assert.deepEqual(approval?.spec, {
      changeRequestRef: { name: "hotfix" },
      required: 1,
      eligible: { users: [], groups: ["emergency-approvers"] },
      requiredGroups: [],
      excluded: [
        { user: "bob", reason: "requested the change" },
        {
          user: "bob@example.com",
          reason: (approval?.spec as { excluded: { reason: string }[] }).excluded[1]?.reason,
        },
        {
          user: "Bob Builder",
          reason: (approval?.spec as { excluded: { reason: string }[] }).excluded[2]?.reason,
        },
      ],
      decisions: {},
    });

    await decideAs(w(), "hotfix", "erin", ["developers", "emergency-approvers"], "Approve");
    const cr = await waitForStatus(
      w(),
      resources.changeRequest,
      "hotfix",
      "to open its review",
      (s) => s.reviewTaskRef !== undefined,
    );
    assert.deepEqual([cr.resolution, cr.resolvedBy, cr.riskClass], ["Approved", "erin", "critical"]);
    assert.deepEqual(cr.reviewTaskRef, { name: "hotfix-review" });
    const task = await read(w(), resources.deploymentTask, "hotfix-review");
    const change = await read(w(), resources.changeRequest, "hotfix");
    const spec = task?.spec as {
      type: string;
      owners: { kind: string; name: string }[];
      dueAt: string;
      releaseRef: { name: string };
      checklist: { required: boolean }[];
    };
    assert.equal(spec.type, "PostImplementationReview");
    assert.deepEqual(spec.owners, [
      { kind: "Group", name: "developers" },
      { kind: "Group", name: "oncall" },
    ]);
    assert.equal(ms(spec.dueAt), ms(cr.resolvedAt) + 2 * HOUR);
    assert.deepEqual(spec.releaseRef, { name: "hotfix-1" });
    assert.ok(spec.checklist.some((item) => item.required));
    assert.deepEqual(task?.metadata.ownerReferences?.[0], {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "ChangeRequest",
      name: "hotfix",
      uid: change?.metadata.uid,
      controller: true,
    });

    const usedAt = await markUsed(w(), "hotfix");
    const closed = await waitForStatus(
      w(),
      resources.changeRequest,
      "hotfix",
      "to close",
      (s) => typeof s.closedAt === "string",
    );
    assert.equal(condition(closed, "Closed")?.reason, "Used");
    const moved = await read(w(), resources.deploymentTask, "hotfix-review");
    assert.equal(ms((moved?.spec as { dueAt: string }).dueAt), ms(usedAt) + 2 * HOUR);
    assert.deepEqual(w().audit.trail(w().namespace, "hotfix"), [
      "bob ChangeRequested",
      `${OPERATOR} ApprovalOpened`,
      "erin DecisionRecorded",
      `${OPERATOR} ChangeApproved`,
      `${OPERATOR} ReviewTaskOpened`,
      `${OPERATOR} ChangeClosed`,
    ]);
  });

  it("expires an approved emergency change that is not used by spec.emergency.expiresAt", async () => {
    const expiresAt = new Date(Date.now() + 5_000).toISOString();
    await createChange(
      w(),
      "unused",
      { release: "hotfix-1", environment: env, type: "Emergency", emergencyExpiresAt: expiresAt },
      BOB,
    );
    await waitForStatus(w(), resources.approval, "unused", "to be opened", (s) => s.outcome === "Pending");
    await decideAs(w(), "unused", "erin", ["emergency-approvers"], "Approve");
    await waitForStatus(
      w(),
      resources.changeRequest,
      "unused",
      "to be approved",
      (s) => s.resolution === "Approved",
    );

    const cr = await waitForStatus(
      w(),
      resources.changeRequest,
      "unused",
      "to expire unused and close",
      (s) => s.resolution === "Expired" && typeof s.closedAt === "string",
      20_000,
    );
    assert.equal(cr.resolvedBy, OPERATOR);
    assert.equal(ms(cr.resolvedAt), ms(expiresAt));
    assert.deepEqual(
      [condition(cr, "Approved")?.status, condition(cr, "Approved")?.reason],
      ["False", "Expired"],
    );
    assert.deepEqual(w().audit.trail(w().namespace, "unused"), [
      "bob ChangeRequested",
      `${OPERATOR} ApprovalOpened`,
      "erin DecisionRecorded",
      `${OPERATOR} ChangeApproved`,
      `${OPERATOR} ReviewTaskOpened`,
      `${OPERATOR} ChangeExpired`,
      `${OPERATOR} ChangeClosed`,
    ]);
  });
});
