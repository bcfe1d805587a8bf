// Deciding a ChangeRequest up to its resolution: missing references, the first round, approval by policy, and
// mirroring a round's outcome while it is open.
import assert from "node:assert/strict";
import {
  APPROVED_BY_CAROL,
  EMERGENCY_ENV,
  HOUR,
  OPEN,
  OPERATOR,
  approvalSpec,
  decide,
  environment,
  ts,
} from "./change-request-fixtures.js";
import { runChangeRequestTable, type Row } from "./change-request-decide-table.js";

/** A change the operator sees for the first time is on record as requested, by the stamped requester. */
const REQUESTED = "dave ChangeRequested";

const rows: Row[] = [
  {
    situation: "the Environment does not exist: Unknown EnvironmentNotFound with a Warning, nothing opened",
    input: { environment: null },
    approved: ["Unknown", "EnvironmentNotFound"],
    closed: ["False", "Open"],
    audit: [REQUESTED],
    events: ["EnvironmentNotFound"],
    says: ["Environment prod does not exist"],
  },
  {
    situation: "the Release does not exist: Unknown ReleaseNotFound",
    input: { commits: null },
    approved: ["Unknown", "ReleaseNotFound"],
    closed: ["False", "Open"],
    audit: [REQUESTED],
    events: ["ReleaseNotFound"],
    says: ["Release api-1 does not exist in namespace team"],
  },
  {
    situation: "a Normal change in regulated prod opens round 1 on Approval <cr>",
    input: {},
    approved: ["Unknown", "AwaitingDecision"],
    closed: ["False", "Open"],
    status: {
      round: 1,
      approvalRef: { name: "change" },
      riskClass: "medium",
      riskRule: "RegulatedEnvironment",
    },
    audit: [REQUESTED, `${OPERATOR} ApprovalOpened`],
    openApproval: "change",
    check: (d) => {
      assert.deepEqual(d.audit[1]?.object, { kind: "Approval", namespace: "team", name: "change" });
      assert.deepEqual(
        d.openApproval?.spec.excluded.map((e) => e.user),
        ["dave", "bob@example.com", "Bob Builder"],
      );
    },
  },
  {
    situation: "a Standard low change where policy pre-approves: approved by policy, no Approval",
    input: {
      spec: { type: "Standard" },
      environment: environment({
        requiredApprovals: 1,
        approvers: { groups: ["approvers"] },
        standardChanges: { preApproved: true },
      }),
    },
    approved: ["True", "PreApproved"],
    closed: ["False", "AwaitingUse"],
    status: {
      resolution: "Approved",
      resolvedBy: "policy",
      resolvedAt: ts(10),
      riskClass: "low",
      round: undefined,
    },
    audit: [REQUESTED, "policy ChangeApproved"],
    events: [],
    says: ["pre-approves Standard changes up to risk low", "rule NoRiskFactor"],
    check: (d) => assert.equal(d.audit[1]?.details.rule, "StandardChangePreApproved"),
  },
  {
    situation: "a target labelled critical makes the change high, so the CAB must approve",
    input: {
      criticalTarget: true,
      environment: environment({
        requiredApprovals: 1,
        approvers: { groups: ["approvers"] },
        cabRiskClasses: ["high"],
      }),
    },
    approved: ["Unknown", "AwaitingDecision"],
    closed: ["False", "Open"],
    status: { riskClass: "high", riskRule: "CriticalTarget" },
    audit: [REQUESTED, `${OPERATOR} ApprovalOpened`],
    openApproval: "change",
    check: (d) => assert.deepEqual(d.openApproval?.spec.requiredGroups, ["cab"]),
  },
  {
    situation: "an Emergency change in regulated prod is critical and goes to the emergency approvers",
    input: { spec: { type: "Emergency" }, environment: EMERGENCY_ENV },
    approved: ["Unknown", "AwaitingDecision"],
    closed: ["False", "Open"],
    status: { riskClass: "critical", riskRule: "EmergencyInRegulatedEnvironment" },
    audit: [REQUESTED, `${OPERATOR} ApprovalOpened`],
    openApproval: "change",
    check: (d) =>
      assert.deepEqual(d.openApproval?.spec.eligible, { users: [], groups: ["emergency-approvers"] }),
  },
  {
    situation: "an unstamped requester blocks the first round",
    input: { spec: { requestedBy: undefined } },
    approved: ["Unknown", "RequesterUnknown"],
    closed: ["False", "Open"],
    audit: ["unknown (spec.requestedBy was not stamped) ChangeRequested"],
    events: ["RequesterUnknown"],
  },
  {
    situation: "a pending round repeats the Approval's progress",
    input: {
      status: OPEN,
      approval: {
        spec: approvalSpec({ required: 2, decisions: { alice: decide.approve(1) } }),
        status: {
          outcome: "Pending",
          conditions: [
            {
              type: "Decided",
              status: "Unknown",
              reason: "AwaitingDecision",
              message: "1 of 2 required approvals (alice); waiting for 1 more approval.",
              lastTransitionTime: ts(1),
            },
          ],
        },
      },
    },
    approved: ["Unknown", "AwaitingDecision"],
    closed: ["False", "Open"],
    audit: [],
    says: [
      "Risk medium (rule RegulatedEnvironment). Approval change (round 1): 1 of 2 required approvals (alice)",
    ],
  },
  {
    situation: "the round's Approval is gone: Unknown ApprovalMissing",
    input: { status: OPEN },
    approved: ["Unknown", "ApprovalMissing"],
    closed: ["False", "Open"],
    audit: [],
    events: ["ApprovalMissing"],
  },
  {
    situation: "an approved round: resolution mirrored with who settled it and when",
    input: {
      status: OPEN,
      approval: {
        spec: approvalSpec({
          required: 2,
          decisions: { alice: decide.approve(1), carol: decide.approve(2) },
        }),
        status: APPROVED_BY_CAROL,
      },
    },
    approved: ["True", "Approved"],
    closed: ["False", "AwaitingUse"],
    status: { resolution: "Approved", resolvedBy: "carol", resolvedAt: ts(2), closedAt: undefined },
    audit: [`${OPERATOR} ChangeApproved`],
    events: [],
    check: (d) => assert.deepEqual(d.audit[0]?.details.approvers, ["alice", "carol"]),
  },
  {
    situation: "a deferred round: resolution Deferred until the earliest revisitAt, waking exactly then",
    input: {
      status: OPEN,
      approval: {
        spec: approvalSpec({
          required: 2,
          decisions: { alice: decide.defer(1, 48), olga: decide.defer(1, 30) },
        }),
        status: { outcome: "Deferred", decidedBy: "alice", decidedAt: ts(1), expiresAt: ts(72) },
      },
    },
    approved: ["Unknown", "Deferred"],
    closed: ["False", "Open"],
    status: { resolution: "Deferred", revisitAt: ts(30), resolvedBy: "alice" },
    audit: [`${OPERATOR} ChangeDeferred`],
    requeueAfterMs: 20 * HOUR,
    says: ["Round 2 opens at 2030-01-02T06:00:00Z"],
  },
  {
    situation: "still deferred before revisitAt: nothing changes, wakes at revisitAt",
    now: 20,
    input: {
      status: { ...OPEN, resolution: "Deferred", resolvedBy: "alice", resolvedAt: ts(1), revisitAt: ts(30) },
    },
    approved: ["Unknown", "Deferred"],
    closed: ["False", "Open"],
    audit: [],
    requeueAfterMs: 10 * HOUR,
  },
  {
    situation: "at revisitAt round 2 opens on Approval <cr>-r2 and the deferral is cleared",
    now: 30,
    input: {
      status: { ...OPEN, resolution: "Deferred", resolvedBy: "alice", resolvedAt: ts(1), revisitAt: ts(30) },
    },
    approved: ["Unknown", "AwaitingDecision"],
    closed: ["False", "Open"],
    status: { round: 2, approvalRef: { name: "change-r2" }, resolution: undefined, revisitAt: undefined },
    audit: [`${OPERATOR} ApprovalOpened`],
    openApproval: "change-r2",
  },
];

runChangeRequestTable("decideChangeRequest: up to the resolution", rows);
