// Changes that need more than one look: a deferral that opens a second round at its revisitAt, and a change
// whose delivery target is labelled critical, which the change advisory board must approve.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deliveryResources, resources } from "../../../src/controllers/resources.js";
import {
  commitsBy,
  condition,
  createChange,
  createRelease,
  decideAs,
  openedApproval,
  useWorld,
  setUpRegulatedProd,
  waitForStatus,
} from "./change-control-world.js";

const OPERATOR = "stagegate-operator";

describe("change control: rounds and the CAB", () => {
  let prod = "";
  const w = useWorld("cc-rounds", async (world) => {
    prod = await setUpRegulatedProd(world);
  });

  it("defers until revisitAt, then opens round 2 on <cr>-r2", async () => {
    await createChange(w(), "defer-me", { release: "api-1", environment: prod });
    await openedApproval(w(), "defer-me");
    const revisitAt = new Date(Date.now() + 2_000).toISOString();
    await decideAs(w(), "defer-me", "alice", ["approvers"], "Defer", {
      revisitAt,
      comment: "After the freeze.",
    });
    await waitForStatus(w(), resources.approval, "defer-me", "deferred", (s) => s.outcome === "Deferred");
    const round2 = await waitForStatus(
      w(),
      resources.changeRequest,
      "defer-me",
      "to open round 2",
      (s) => s.round === 2,
    );
    assert.deepEqual(round2.approvalRef, { name: "defer-me-r2" });
    assert.equal(round2.resolution, undefined);
    assert.equal(round2.revisitAt, undefined);
    await openedApproval(w(), "defer-me-r2");

    await decideAs(w(), "defer-me-r2", "alice", ["approvers"], "Approve");
    await decideAs(w(), "defer-me-r2", "olga", ["approvers"], "Approve");
    await waitForStatus(
      w(),
      resources.changeRequest,
      "defer-me",
      "approved in round 2",
      (s) => s.resolution === "Approved",
    );
    const trail = w().audit.trail(w().namespace, "defer-me");
    assert.deepEqual(trail, [
      "dave ChangeRequested",
      `${OPERATOR} ApprovalOpened`,
      "alice DecisionRecorded",
      `${OPERATOR} ChangeDeferred`,
      `${OPERATOR} ApprovalOpened`,
      "alice DecisionRecorded",
      "olga DecisionRecorded",
      `${OPERATOR} ChangeApproved`,
    ]);
    const deferred = w()
      .audit.aboutChange(w().namespace, "defer-me")
      .find((e) => e.action === "ChangeDeferred");
    assert.equal(deferred?.details.revisitAt, revisitAt);
  });

  it("needs the CAB for a change whose Argo CD Application is labelled critical", async () => {
    await w().admin.create(
      deliveryResources.argoCDApplication,
      {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Application",
        metadata: { name: "api", namespace: w().namespace, labels: { "stagegate.io/criticality": "high" } },
        spec: {
          project: "default",
          source: { repoURL: "https://git.example.com/api.git", path: "deploy", targetRevision: "main" },
          destination: { server: "https://kubernetes.default.svc", namespace: "api" },
        },
      },
      w().namespace,
    );
    await createRelease(w(), "api-2", prod, commitsBy(1, "Bob Builder"), {
      name: "api",
      namespace: w().namespace,
    });
    await createChange(w(), "cab-me", { release: "api-2", environment: prod });
    const approval = await openedApproval(w(), "cab-me");
    assert.deepEqual((approval.spec as { requiredGroups?: string[] }).requiredGroups, ["cab"]);
    await decideAs(w(), "cab-me", "alice", ["approvers"], "Approve");
    await decideAs(w(), "cab-me", "olga", ["approvers"], "Approve");
    const waiting = await waitForStatus(
      w(),
      resources.approval,
      "cab-me",
      "to count two",
      (s) => s.approvals === 2,
    );
    assert.equal(waiting.outcome, "Pending");
    assert.match(condition(waiting, "Decided")?.message ?? "", /an approval from a member of group cab/);
    await decideAs(w(), "cab-me", "carol", ["approvers", "cab"], "Approve");
    const cr = await waitForStatus(
      w(),
      resources.changeRequest,
      "cab-me",
      "approved",
      (s) => s.resolution === "Approved",
    );
    assert.deepEqual([cr.riskClass, cr.riskRule, cr.resolvedBy], ["high", "CriticalTarget", "carol"]);
  });
});
