// Deciding a ChangeRequest after its resolution: closing at once (rejected, expired), closing once used, the
// review task and lapse of an approved emergency, and nothing at all once closed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decideChangeRequest } from "../../../src/controllers/change-control/change-request-decide.js";
import {
  APPROVED_BY_CAROL,
  APPROVED_EMERGENCY,
  EMERGENCY_ENV,
  HOUR,
  OPEN,
  OPERATOR,
  approvalSpec,
  at,
  crInput,
  decide,
  ts,
} from "./change-request-fixtures.js";
import { runChangeRequestTable, type Row } from "./change-request-decide-table.js";

const rows: Row[] = [
  {
    situation: "a rejected round closes at once, retained for gate.retention",
    input: {
      status: OPEN,
      approval: {
        spec: approvalSpec({ decisions: { carol: decide.reject(3, "No rollback plan.") } }),
        status: { outcome: "Rejected", decidedBy: "carol", decidedAt: ts(3), expiresAt: ts(72) },
      },
    },
    approved: ["False", "Rejected"],
    closed: ["True", "Rejected"],
    status: { resolution: "Rejected", resolvedBy: "carol", closedAt: ts(10), retainUntil: ts(10 + 2160) },
    audit: [`${OPERATOR} ChangeRejected`, `${OPERATOR} ChangeClosed`],
    events: [],
    check: (d) => assert.equal(d.audit[0]?.details.comment, "No rollback plan."),
  },
  {
    situation: "an expired round closes at once",
    now: 72,
    input: {
      status: OPEN,
      approval: {
        spec: approvalSpec(),
        status: { outcome: "Expired", decidedBy: OPERATOR, decidedAt: ts(72), expiresAt: ts(72) },
      },
    },
    approved: ["False", "Expired"],
    closed: ["True", "Expired"],
    status: { resolution: "Expired", resolvedBy: OPERATOR, resolvedAt: ts(72), closedAt: ts(72) },
    audit: [`${OPERATOR} ChangeExpired`, `${OPERATOR} ChangeClosed`],
  },
  {
    situation: "a rejected round whose Environment is gone: rejected, but closing waits for the Environment",
    input: {
      status: OPEN,
      environment: null,
      approval: {
        spec: approvalSpec(),
        status: { outcome: "Rejected", decidedBy: "carol", decidedAt: ts(3) },
      },
    },
    approved: ["False", "Rejected"],
    closed: ["False", "EnvironmentNotFound"],
    status: { resolution: "Rejected", closedAt: undefined },
    audit: [`${OPERATOR} ChangeRejected`],
  },
  {
    situation: "an approved Emergency change opens its review task, due 120h after approval until used",
    now: 2,
    input: {
      spec: { type: "Emergency" },
      environment: EMERGENCY_ENV,
      status: { ...OPEN, riskClass: "critical", riskRule: "EmergencyInRegulatedEnvironment" },
      approval: {
        spec: approvalSpec({
          eligible: { groups: ["emergency-approvers"] },
          decisions: { erin: decide.approve(1) },
        }),
        status: { outcome: "Approved", decidedBy: "erin", decidedAt: ts(1), expiresAt: ts(24) },
      },
    },
    approved: ["True", "Approved"],
    closed: ["False", "AwaitingUse"],
    status: { reviewTaskRef: { name: "change-review" } },
    audit: [`${OPERATOR} ChangeApproved`, `${OPERATOR} ReviewTaskOpened`],
    reviewTaskDueAt: ts(121),
    requeueAfterMs: 22 * HOUR,
    check: (d) => {
      assert.deepEqual(d.audit[1]?.object, {
        kind: "DeploymentTask",
        namespace: "team",
        name: "change-review",
      });
      assert.deepEqual(d.reviewTask?.spec.owners, [{ kind: "Group", name: "release-managers" }]);
    },
  },
  {
    situation: "an approved Emergency change unused at emergency.expiresAt expires and closes",
    now: 24,
    input: {
      spec: { type: "Emergency" },
      environment: EMERGENCY_ENV,
      status: APPROVED_EMERGENCY,
      reviewTask: { dueAt: ts(121) },
    },
    approved: ["False", "Expired"],
    closed: ["True", "Expired"],
    status: { resolution: "Expired", resolvedBy: OPERATOR, resolvedAt: ts(24), closedAt: ts(24) },
    audit: [`${OPERATOR} ChangeExpired`, `${OPERATOR} ChangeClosed`],
  },
  {
    situation: "an approved Emergency change once used: the review moves to 120h after use, and it closes",
    now: 6,
    input: {
      spec: { type: "Emergency" },
      environment: EMERGENCY_ENV,
      status: { ...APPROVED_EMERGENCY, usedAt: ts(5) },
      reviewTask: { dueAt: ts(121) },
    },
    approved: ["True", "Approved"],
    closed: ["True", "Used"],
    status: { closedAt: ts(6), retainUntil: ts(6 + 2160), usedAt: ts(5) },
    audit: [`${OPERATOR} ChangeClosed`],
    reviewTaskDueAt: ts(125),
  },
  {
    situation: "an approved Normal change closes when used",
    input: {
      status: { ...OPEN, resolution: "Approved", resolvedBy: "carol", resolvedAt: ts(2), usedAt: ts(8) },
      approval: { spec: approvalSpec(), status: APPROVED_BY_CAROL },
    },
    approved: ["True", "Approved"],
    closed: ["True", "Used"],
    status: { closedAt: ts(10), retainUntil: ts(2170) },
    audit: [`${OPERATOR} ChangeClosed`],
  },
];

runChangeRequestTable("decideChangeRequest: after the resolution", rows);

describe("decideChangeRequest: closed means closed", () => {
  it("returns a closed change's status untouched, with nothing to apply, audit or announce", () => {
    const first = decideChangeRequest(
      crInput({
        status: OPEN,
        approval: {
          spec: approvalSpec(),
          status: { outcome: "Rejected", decidedBy: "carol", decidedAt: ts(3) },
        },
      }),
      at(10),
    );
    assert.ok(first.status.closedAt !== undefined);
    const later = decideChangeRequest(
      crInput({ status: first.status, environment: null, commits: null }),
      at(9999),
    );
    assert.equal(later.status, first.status);
    assert.deepEqual(
      [later.audit, later.events, later.openApproval, later.requeueAfterMs],
      [[], [], undefined, undefined],
    );
  });
});
