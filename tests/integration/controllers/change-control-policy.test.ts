// Changes decided without anyone deciding: an approval that times out at exactly its expiry, a Standard change
// approved by policy without an Approval, a change whose Environment and Release appear only later (the
// informers' indexes wake it; periodic resync is off), and a change held because its regulated environment takes
// commit authors only from the repository and these controllers read no git.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resources } from "../../../src/controllers/resources.js";
import {
  commitsBy,
  condition,
  createChange,
  createEnvironment,
  createRelease,
  ms,
  read,
  useWorld,
  waitForStatus,
} from "./change-control-world.js";

const OPERATOR = "stagegate-operator";

describe("change control: expiry, policy and late references", () => {
  const w = useWorld("cc-policy");

  it("expires an undecided change at the Approval's expiresAt and closes it", async () => {
    const env = w().unique("short");
    await createEnvironment(w(), env, {
      regulated: true,
      gate: {
        commitAuthorSource: "Declared",
        requiredApprovals: 1,
        approvers: { groups: ["approvers"] },
        approvalTimeout: "3s",
      },
    });
    await createRelease(w(), "short-1", env, commitsBy(1, "Bob Builder"));
    await createChange(w(), "expire-me", { release: "short-1", environment: env });
    const opened = await waitForStatus(
      w(),
      resources.approval,
      "expire-me",
      "to be opened",
      (s) => typeof s.expiresAt === "string",
    );
    const approval = await read(w(), resources.approval, "expire-me");
    assert.equal(ms(opened.expiresAt), ms(approval?.metadata.creationTimestamp) + 3_000);

    const cr = await waitForStatus(
      w(),
      resources.changeRequest,
      "expire-me",
      "to expire and close",
      (s) => s.resolution === "Expired" && typeof s.closedAt === "string",
      15_000,
    );
    assert.equal(cr.resolvedBy, OPERATOR);
    assert.equal(cr.resolvedAt, opened.expiresAt);
    assert.deepEqual(
      [condition(cr, "Approved")?.status, condition(cr, "Approved")?.reason],
      ["False", "Expired"],
    );
    const expired = await waitForStatus(
      w(),
      resources.approval,
      "expire-me",
      "to close",
      (s) => typeof s.closedAt === "string",
    );
    assert.deepEqual(
      [expired.outcome, expired.decidedBy, expired.decidedAt],
      ["Expired", OPERATOR, opened.expiresAt],
    );
    assert.deepEqual(w().audit.trail(w().namespace, "expire-me"), [
      "dave ChangeRequested",
      `${OPERATOR} ApprovalOpened`,
      `${OPERATOR} ChangeExpired`,
      `${OPERATOR} ChangeClosed`,
    ]);
  });

  it("approves a Standard change by policy, without an Approval", async () => {
    const env = w().unique("std");
    await createEnvironment(w(), env, {
      gate: {
        requiredApprovals: 1,
        approvers: { groups: ["approvers"] },
        standardChanges: { preApproved: true, maxRisk: "low" },
      },
    });
    await createRelease(w(), "std-1", env, commitsBy(2, "Bob Builder"));
    await createChange(w(), "routine", { release: "std-1", environment: env, type: "Standard" });
    const cr = await waitForStatus(
      w(),
      resources.changeRequest,
      "routine",
      "to be approved by policy",
      (s) => s.resolution === "Approved",
    );
    assert.deepEqual(
      [cr.resolvedBy, cr.riskClass, cr.riskRule, cr.approvalRef],
      ["policy", "low", "NoRiskFactor", undefined],
    );
    assert.deepEqual(
      [condition(cr, "Approved")?.status, condition(cr, "Approved")?.reason],
      ["True", "PreApproved"],
    );
    assert.equal(await read(w(), resources.approval, "routine"), undefined, "no Approval is opened");
    assert.deepEqual(w().audit.trail(w().namespace, "routine"), [
      "dave ChangeRequested",
      "policy ChangeApproved",
    ]);
    assert.equal(
      w()
        .audit.aboutChange(w().namespace, "routine")
        .find((e) => e.action === "ChangeApproved")?.details.rule,
      "StandardChangePreApproved",
    );
  });

  it("holds a change in a regulated environment while the operator reads no git, until the gate accepts declared authors", async () => {
    const env = w().unique("reg");
    await createEnvironment(w(), env, {
      regulated: true,
      gate: { requiredApprovals: 1, approvers: { groups: ["approvers"] } },
    });
    await createRelease(w(), "reg-1", env, commitsBy(1, "Bob Builder"));
    await createChange(w(), "unverified", { release: "reg-1", environment: env });
    const held = await waitForStatus(
      w(),
      resources.changeRequest,
      "unverified",
      "to be held for its commit authors",
      (s) => condition(s, "Approved")?.reason === "CommitAuthorsUnverified",
    );
    assert.equal(condition(held, "Approved")?.status, "Unknown");
    assert.match(
      condition(held, "Approved")?.message ?? "",
      /takes commit authors only from the repository .* a --commit-authors-config .* spec.gate.commitAuthorSource: Declared/,
    );
    assert.equal(held.approvalRef, undefined);
    assert.equal(await read(w(), resources.approval, "unverified"), undefined, "no Approval is opened");
    assert.deepEqual(w().audit.trail(w().namespace, "unverified"), ["dave ChangeRequested"]);

    // The platform team decides to accept what the Release declares: the round opens, and says where authors came from.
    await w().admin.patch(
      resources.environment,
      env,
      undefined,
      { spec: { gate: { commitAuthorSource: "Declared" } } },
      { type: "merge" },
    );
    await waitForStatus(
      w(),
      resources.changeRequest,
      "unverified",
      "to open its round",
      (s) => condition(s, "Approved")?.reason === "AwaitingDecision",
    );
    const opened = w()
      .audit.aboutChange(w().namespace, "unverified")
      .find((e) => e.action === "ApprovalOpened");
    const duties = opened?.details.separationOfDuties as { authorsFrom?: string } | undefined;
    assert.equal(duties?.authorsFrom, "spec.source.commits");
  });

  it("says which reference is missing, and moves on when the Environment and then the Release appear", async () => {
    const env = w().unique("late");
    await createChange(w(), "early", { release: "late-1", environment: env });
    const noEnv = await waitForStatus(
      w(),
      resources.changeRequest,
      "early",
      "to miss its Environment",
      (s) => condition(s, "Approved")?.reason === "EnvironmentNotFound",
    );
    assert.match(
      condition(noEnv, "Approved")?.message ?? "",
      new RegExp(`Environment ${env} does not exist`),
    );

    await createEnvironment(w(), env, { gate: { requiredApprovals: 1, approvers: { users: ["alice"] } } });
    const noRelease = await waitForStatus(
      w(),
      resources.changeRequest,
      "early",
      "to miss its Release",
      (s) => condition(s, "Approved")?.reason === "ReleaseNotFound",
    );
    assert.match(condition(noRelease, "Approved")?.message ?? "", /Release late-1 does not exist/);

    await createRelease(w(), "late-1", env, commitsBy(1, "Bob Builder"));
    const opened = await waitForStatus(
      w(),
      resources.changeRequest,
      "early",
      "to open its round",
      (s) => condition(s, "Approved")?.reason === "AwaitingDecision",
    );
    assert.deepEqual(opened.approvalRef, { name: "early" });
    assert.deepEqual(w().audit.trail(w().namespace, "early"), [
      "dave ChangeRequested",
      `${OPERATOR} ApprovalOpened`,
    ]);
  });
});
