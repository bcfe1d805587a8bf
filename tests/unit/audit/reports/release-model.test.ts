import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AuditEvent } from "../../../../src/audit/recorder.js";
import { buildReleaseReport } from "../../../../src/audit/reports/release-model.js";
import { HOSTILE, PREVIOUS, REVISION, releaseStory, storyNames } from "../../../support/report-story.js";
import { exported, intactProof } from "./report-entries.js";

const names = storyNames("payments");
const story = releaseStory(names);
const NOW = new Date("2026-12-06T09:00:00.000Z");
const release = { namespace: "payments", name: names.release };

function report(events: readonly AuditEvent[] = story) {
  return buildReleaseReport(exported(events), release, intactProof(events.length), NOW);
}

describe("the release report model", () => {
  it("lists each promotion with its environment, change and outcome", () => {
    const { deployments } = report();
    assert.deepEqual(
      deployments.map((d) => [d.environment, d.revision, d.changeRequest, d.outcome]),
      [
        ["staging", REVISION, "", "Verified"],
        ["prod", REVISION, names.change, "Deployed"],
      ],
    );
  });

  it("tells who requested, who could decide, who decided and who approved each change", () => {
    const change = report().changes.find((c) => c.name === names.change);
    assert.ok(change);
    assert.equal(change.requestedBy, "stagegate-operator");
    assert.equal(change.environment, "prod");
    assert.equal(change.resolution, "Approved");
    assert.deepEqual(change.approvers, ["alice", "carol"]);
    assert.deepEqual(
      change.decisions.map((d) => `${d.actor} ${d.decision}`),
      ["alice Approve", "carol Approve"],
    );
    assert.deepEqual(change.rounds[0]?.eligible, ["group cab"]);
    assert.deepEqual(change.rounds[0]?.excluded, [
      { user: "dave", reason: "declared the release and wrote its commits" },
    ]);
  });

  it("judges separation of duties: held when the approvers are neither requester nor excluded", () => {
    const change = report().changes.find((c) => c.name === names.change);
    assert.equal(change?.separationOfDuties.verdict, "held");
    assert.match(change?.separationOfDuties.message ?? "", /approved by alice, carol; excluded: dave/);
  });

  it("judges separation of duties: violated when an excluded person's approval settled the change", () => {
    const forged = story.map((e) =>
      e.action === "ChangeApproved" && e.object.name === names.change
        ? { ...e, details: { ...e.details, approvers: ["alice", "dave"] } }
        : e,
    );
    const built = report(forged);
    const change = built.changes.find((c) => c.name === names.change);
    assert.equal(change?.separationOfDuties.verdict, "violated");
    assert.ok(
      built.exceptions.some((x) => x.kind === "Separation of duties violated" && x.message.includes("dave")),
    );
  });

  it("keeps each check's evidence as recorded, user text included", () => {
    const { checks } = report();
    assert.equal(checks.length, 1);
    assert.equal(checks[0]?.type, "SecurityScan");
    assert.equal(checks[0]?.by, "bob");
    assert.match(checks[0]?.items[0]?.evidence ?? "", /uri: https:\/\/scans\.example\.com\/shop\/1\.4\.0/);
    assert.ok(checks[0]?.items[0]?.evidence.includes(HOSTILE));
  });

  it("does not take another release's check for this one's (a different commit in the environment)", () => {
    const other = story.map((e) =>
      e.action === "TaskItemCompleted" && e.details.type === "SecurityScan"
        ? { ...e, details: { ...e.details, commit: "9".repeat(40) } }
        : e,
    );
    assert.equal(report(other).checks.length, 0);
  });

  it("lists the emergency change with its break-glass rollback and its completed review", () => {
    const [emergency, ...more] = report().emergencies;
    assert.equal(more.length, 0);
    assert.equal(emergency?.name, names.emergencyChange);
    assert.deepEqual(emergency?.breakGlass?.freezes, ["year-end"]);
    assert.equal(emergency?.reviewOverdue, false);
    assert.match(
      emergency?.reviewStatus ?? "",
      /emergency-justified: Done, change-verified: Done, follow-up: Done by frank/,
    );
  });

  it("flags an emergency change whose review is past due and not done", () => {
    const unreviewed = story.filter(
      (e) => !(e.action === "TaskItemCompleted" && e.object.name === names.reviewTask),
    );
    const late = buildReleaseReport(
      exported(unreviewed),
      release,
      intactProof(1),
      new Date("2026-12-09T00:00:00Z"),
    );
    assert.equal(late.emergencies[0]?.reviewOverdue, true);
    assert.match(late.emergencies[0]?.reviewStatus ?? "", /OVERDUE/);
    const early = report(unreviewed);
    assert.equal(early.emergencies[0]?.reviewOverdue, false);
  });

  it("reports the verification result with its measurements", () => {
    const [verification] = report().verifications;
    assert.equal(verification?.result, "Passed");
    assert.equal(verification?.environment, "prod");
    assert.match(
      verification?.summary ?? "",
      /error-rate: 10 measurements, min 0\.01, max 0\.02 \(< 0\.05\)/,
    );
  });

  it("tells the rollback: the alert that opened it, from and to, the outcome and the break-glass", () => {
    const [rollback, ...more] = report().rollbacks;
    assert.equal(more.length, 0);
    assert.equal(rollback?.trigger, "alert HighErrorRate fired");
    assert.equal(rollback?.openedBy, "alertmanager:am-1");
    assert.equal(rollback?.from, REVISION);
    assert.equal(rollback?.to, PREVIOUS);
    assert.match(rollback?.outcome ?? "", /^completed \(Passed\)/);
    assert.match(rollback?.breakGlass ?? "", /year-end/);
  });

  it("keeps a later refusal from hiding a completed rollback", () => {
    const refused: AuditEvent = {
      actor: "stagegate-operator",
      action: "RollbackTaskRefused",
      object: { kind: "DeploymentTask", namespace: "payments", name: names.rollbackTask },
      details: { release: names.release, environment: "prod", reason: "it names no existing release" },
    };
    assert.match(report([...story, refused]).rollbacks[0]?.outcome ?? "", /^completed/);
  });

  it("leaves out other namespaces and other releases", () => {
    const elsewhere = releaseStory(storyNames("other"));
    // Another release of another artifact: checks are matched to a release by environment and commit.
    const another = releaseStory(storyNames("payments", "cart-2-0-0")).map((e) => ({
      ...e,
      details: JSON.parse(
        JSON.stringify(e.details).replaceAll(REVISION, "2".repeat(40)),
      ) as AuditEvent["details"],
    }));
    const built = buildReleaseReport(
      exported([...elsewhere, ...story, ...another]),
      release,
      intactProof(1),
      NOW,
    );
    assert.equal(built.timeline.length, story.length);
    assert.ok(built.timeline.every((row) => row.object.includes("payments/")));
    assert.ok(built.timeline.every((row) => !row.object.includes("cart-2-0-0")));
  });

  it("says when no entry is about the release", () => {
    const built = buildReleaseReport(
      exported(story),
      { namespace: "payments", name: "ghost" },
      intactProof(1),
      NOW,
    );
    assert.equal(built.found, false);
    assert.equal(built.timeline.length, 0);
  });

  it("counts the entries the chain does not vouch for", () => {
    const built = buildReleaseReport(exported(story, { unvouchedFrom: 20 }), release, intactProof(1), NOW);
    assert.equal(built.chain.unvouchedEntries, story.length - 19);
    assert.equal(built.timeline.filter((r) => !r.vouched).length, story.length - 19);
  });
});
