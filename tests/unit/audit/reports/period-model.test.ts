import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AuditEvent } from "../../../../src/audit/recorder.js";
import { buildPeriodReport, type PeriodScope } from "../../../../src/audit/reports/period-model.js";
import { releaseStory, storyNames } from "../../../support/report-story.js";
import { exported, intactProof, START } from "./report-entries.js";

const NOW = new Date("2026-12-10T00:00:00.000Z");
const names = storyNames("payments");

/** A deployment nobody approved and an approval that lapsed, in `env`, for another release. */
function exceptionEvents(env: string): AuditEvent[] {
  const release = { kind: "Release", namespace: "payments", name: "cart-2-0-0" };
  const change = { kind: "ChangeRequest", namespace: "payments", name: `cart-2-0-0-${env}-1` };
  return [
    {
      actor: "stagegate-operator",
      action: "ChangeRequested",
      object: change,
      details: {
        environment: env,
        type: "Emergency",
        release: "cart-2-0-0",
        requestedBy: { username: "mallory" },
      },
    },
    {
      actor: "stagegate-operator",
      action: "ChangeExpired",
      object: change,
      details: {
        message: "The approved emergency change was not used before spec.emergency.expiresAt.",
        changeRequest: change.name,
        rule: "EmergencyUnused",
      },
    },
    {
      actor: "stagegate-operator",
      action: "UnapprovedDeployment",
      object: release,
      details: {
        message: `Argo CD Application payments/cart-${env} runs 9999 but no approved release asked for it.`,
        deployments: [
          { environment: env, target: `Argo CD Application payments/cart-${env}`, running: "9999" },
        ],
      },
    },
  ];
}

const events = [...releaseStory(names), ...exceptionEvents("prod"), ...exceptionEvents("dev")];
const items = exported(events);
const at = (i: number) => new Date(START + 1000 * i);

function report(scope: Partial<PeriodScope> = {}) {
  return buildPeriodReport(
    items,
    { since: at(0), until: at(events.length), environments: undefined, namespace: undefined, ...scope },
    intactProof(events.length),
    NOW,
  );
}

describe("the period report model", () => {
  it("lists every promotion and rollback in the period with who requested and approved it", () => {
    const { changes } = report({ environments: new Set(["prod"]) });
    assert.deepEqual(
      changes.map((c) => [c.kind, c.environment, c.changeRequest, c.approvedBy]),
      [
        ["Promotion", "prod", names.change, "alice, carol"],
        ["Rollback", "prod", names.emergencyChange, "erin"],
      ],
    );
    assert.equal(changes[0]?.requestedBy, "stagegate-operator");
    assert.match(changes[0]?.separationOfDuties ?? "", /approved by alice, carol/);
  });

  it("lists the exceptions of the environments in scope: emergencies, expired approvals, unapproved deployments", () => {
    const built = report({ environments: new Set(["prod"]) });
    assert.deepEqual(
      built.exceptions.map((e) => [e.kind, e.environment]),
      [
        ["Emergency change", "prod"],
        ["Emergency change", "prod"],
        ["Expired approval", "prod"],
        ["Unapproved deployment", "prod"],
      ],
    );
    assert.equal(built.counts.emergencies, 2);
    assert.equal(built.counts.expiredApprovals, 1);
    assert.equal(built.counts.unapprovedDeployments, 1);
    assert.equal(built.hasExceptions, true);
  });

  it("covers every environment when none is named", () => {
    const built = report();
    assert.equal(built.counts.unapprovedDeployments, 2);
    assert.equal(built.counts.changes, 3);
    assert.equal(built.scope, "every environment");
  });

  it("keeps what happened outside the period out, but still knows who requested a change before it", () => {
    const promotedToProd = events.findIndex(
      (e) => e.action === "ReleasePromoted" && e.details.environment === "prod",
    );
    const built = report({
      since: at(promotedToProd),
      until: at(promotedToProd + 1),
      environments: new Set(["prod"]),
    });
    assert.equal(built.changes.length, 1);
    assert.equal(built.changes[0]?.requestedBy, "stagegate-operator");
    assert.equal(built.changes[0]?.approvedBy, "alice, carol");
    assert.equal(built.exceptions.length, 0);
    assert.equal(built.hasExceptions, false);
  });

  it("marks a promotion whose change is not recorded as approved", () => {
    const unapproved = events.filter(
      (e) => !(e.action === "ChangeApproved" && e.object.name === names.change),
    );
    const built = buildPeriodReport(
      exported(unapproved),
      { since: at(0), until: at(unapproved.length), environments: new Set(["prod"]), namespace: undefined },
      intactProof(1),
      NOW,
    );
    const promotion = built.changes.find((c) => c.kind === "Promotion");
    assert.equal(promotion?.approved, false);
    assert.equal(promotion?.approvedBy, "");
  });

  it("keeps only the namespace asked for", () => {
    const built = buildPeriodReport(
      exported([...events, ...releaseStory(storyNames("other"))]),
      { since: at(0), until: at(1000), environments: new Set(["prod"]), namespace: "other" },
      intactProof(1),
      NOW,
    );
    assert.ok(built.changes.length > 0);
    assert.ok(built.changes.every((c) => c.release.startsWith("other/")));
  });
});
