import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decidePromotionGate, type PromotionInput } from "../../../src/policy/promotion-gates.js";

const NOW = new Date("2026-12-08T07:30:00Z"); // a Tuesday, 08:30 in Berlin
const COMMIT = "4f2c1e0d9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e";

const base: PromotionInput = {
  environment: "prod",
  previous: { name: "staging", state: "Verified", artifact: COMMIT },
  promotesFrom: ["staging"],
  artifact: COMMIT,
  ownership: { pass: true, reason: "TargetOwned", message: "Environment prod owns the target." },
  requiredChecks: ["SecurityScan", "UserAcceptance"],
  tasks: [
    { name: "rel-prod-scan", type: "SecurityScan", phase: "Succeeded" },
    { name: "rel-prod-uat", type: "UserAcceptance", phase: "Succeeded" },
  ],
  approvalRequired: true,
  changeRequest: { name: "rel-prod", resolution: "Approved" },
  windows: [{ name: "tuesday-morning", schedule: "0 8 * * 2", duration: "4h", timeZone: "Europe/Berlin" }],
  lockHolder: undefined,
  self: "team/rel",
  now: NOW,
};

const rows: { situation: string; change: Partial<PromotionInput>; open: boolean; reasons: string[] }[] = [
  { situation: "everything in place", change: {}, open: true, reasons: [] },
  {
    situation: "first stage, nothing required",
    change: {
      previous: undefined,
      promotesFrom: [],
      requiredChecks: [],
      approvalRequired: false,
      windows: [],
    },
    open: true,
    reasons: [],
  },
  {
    situation: "a pipeline that begins with a stage that promotes from another",
    change: { previous: undefined },
    open: false,
    reasons: ["StageSkipped"],
  },
  {
    situation: "a pipeline that reaches the stage from one it does not promote from",
    change: { previous: { name: "dev", state: "Verified", artifact: COMMIT } },
    open: false,
    reasons: ["StageSkipped"],
  },
  {
    situation: "the previous stage Verified another artifact",
    change: { previous: { name: "staging", state: "Verified", artifact: "0".repeat(40) } },
    open: false,
    reasons: ["ArtifactNotVerified"],
  },
  {
    situation: "a target the environment does not own",
    change: {
      ownership: { pass: false, reason: "TargetNotOwned", message: "Environment prod does not own it." },
    },
    open: false,
    reasons: ["TargetNotOwned"],
  },
  {
    situation: "a mutable revision",
    change: { mutableRevision: 'spec.source.revision "main" is not a full commit id' },
    open: false,
    reasons: ["MutableRevision"],
  },
  {
    situation: "a Flux source shared with objects outside the environment",
    change: { sharedSource: "Pinning GitRepository flux-system/shop would also move dev." },
    open: false,
    reasons: ["SharedSource"],
  },
  {
    situation: "an approved change Stagegate did not open",
    change: {
      changeRequest: { name: "rel-prod", resolution: "Approved", untrusted: "it was requested by dave" },
    },
    open: false,
    reasons: ["ChangeNotTrusted"],
  },
  {
    situation: "previous environment only Deployed",
    change: { previous: { name: "staging", state: "Deployed" } },
    open: false,
    reasons: ["PreviousNotVerified"],
  },
  {
    situation: "previous environment not started",
    change: { previous: { name: "staging", state: undefined } },
    open: false,
    reasons: ["PreviousNotVerified"],
  },
  {
    situation: "a required check still running",
    change: {
      tasks: [
        { name: "rel-prod-scan", type: "SecurityScan", phase: "Ready" },
        { name: "rel-prod-uat", type: "UserAcceptance", phase: "Succeeded" },
      ],
    },
    open: false,
    reasons: ["ChecksPending"],
  },
  {
    situation: "a required check has no task",
    change: { tasks: [{ name: "rel-prod-scan", type: "SecurityScan", phase: "Succeeded" }] },
    open: false,
    reasons: ["ChecksPending"],
  },
  {
    situation: "a workflow template's task still open",
    change: {
      templateTasks: ["rel-prod-wf-announce"],
      tasks: [...base.tasks, { name: "rel-prod-wf-announce", type: "Coordination", phase: "Blocked" }],
    },
    open: false,
    reasons: ["ChecksPending"],
  },
  {
    situation: "a workflow template's task not opened yet",
    change: { templateTasks: ["rel-prod-wf-announce"] },
    open: false,
    reasons: ["ChecksPending"],
  },
  {
    situation: "every workflow template task succeeded",
    change: {
      templateTasks: ["rel-prod-wf-announce"],
      tasks: [...base.tasks, { name: "rel-prod-wf-announce", type: "Coordination", phase: "Succeeded" }],
    },
    open: true,
    reasons: [],
  },
  {
    situation: "a template's task of a required type never stands in for the Environment's own check",
    change: {
      templateTasks: ["rel-prod-wf-scan"],
      tasks: [
        { name: "rel-prod-scan", type: "SecurityScan", phase: "Ready" },
        { name: "rel-prod-wf-scan", type: "SecurityScan", phase: "Succeeded" },
        { name: "rel-prod-uat", type: "UserAcceptance", phase: "Succeeded" },
      ],
    },
    open: false,
    reasons: ["ChecksPending"],
  },
  {
    situation: "the environment does not admit the release's workflow template",
    change: { workflowRefused: "Environment prod admits only the workflow templates [hotfix]" },
    open: false,
    reasons: ["WorkflowTemplateRefused"],
  },
  {
    situation: "no ChangeRequest yet",
    change: { changeRequest: undefined },
    open: false,
    reasons: ["ChangeRequestMissing"],
  },
  {
    situation: "ChangeRequest rejected",
    change: { changeRequest: { name: "rel-prod", resolution: "Rejected" } },
    open: false,
    reasons: ["ChangeNotApproved"],
  },
  {
    situation: "ChangeRequest awaiting decision",
    change: { changeRequest: { name: "rel-prod", resolution: undefined } },
    open: false,
    reasons: ["ChangeNotApproved"],
  },
  {
    situation: "approved ChangeRequest already used and closed",
    change: { changeRequest: { name: "rel-prod", resolution: "Approved", closedAt: "2026-12-01T00:00:00Z" } },
    open: false,
    reasons: ["ChangeNotApproved"],
  },
  {
    situation: "no approval required",
    change: { approvalRequired: false, changeRequest: undefined },
    open: true,
    reasons: [],
  },
  {
    situation: "outside the window",
    change: { now: new Date("2026-12-08T13:00:00Z") },
    open: false,
    reasons: ["OutsideWindow"],
  },
  {
    situation: "exactly when the window opens",
    change: { now: new Date("2026-12-08T07:00:00Z") },
    open: true,
    reasons: [],
  },
  {
    situation: "a millisecond before the window opens",
    change: { now: new Date("2026-12-08T06:59:59.999Z") },
    open: false,
    reasons: ["OutsideWindow"],
  },
  {
    situation: "at the window's last millisecond",
    change: { now: new Date("2026-12-08T10:59:59.999Z") },
    open: true,
    reasons: [],
  },
  {
    situation: "exactly when the window closes",
    change: { now: new Date("2026-12-08T11:00:00Z") },
    open: false,
    reasons: ["OutsideWindow"],
  },
  {
    situation: "another release holds the target",
    change: { lockHolder: "team/other" },
    open: false,
    reasons: ["TargetLocked"],
  },
  { situation: "this release holds the target", change: { lockHolder: "team/rel" }, open: true, reasons: [] },
  {
    situation: "the lock names a release that holds nothing there (a forgery or a leftover): taken over",
    change: { lockHolder: "team/mallory", lockForged: "no Release team/mallory exists" },
    open: true,
    reasons: [],
  },
  {
    situation: "an approved change closed because this promotion used it (a pass after a crash)",
    change: {
      lockHolder: "team/rel",
      changeRequest: {
        name: "rel-prod",
        resolution: "Approved",
        usedAt: "2026-12-08T07:29:00Z",
        closedAt: "2026-12-08T07:29:01Z",
      },
    },
    open: true,
    reasons: [],
  },
  {
    situation:
      "a change used by an earlier promotion that no longer holds the target: it authorises nothing more",
    change: {
      changeRequest: {
        name: "rel-prod",
        resolution: "Approved",
        usedAt: "2026-12-08T07:29:00Z",
        closedAt: "2026-12-08T07:29:01Z",
      },
    },
    open: false,
    reasons: ["ChangeNotApproved"],
  },
  {
    situation: "an approved change closed without being used (expired) does not open the gate",
    change: { changeRequest: { name: "rel-prod", resolution: "Approved", closedAt: "2026-12-08T07:29:01Z" } },
    open: false,
    reasons: ["ChangeNotApproved"],
  },
  {
    situation: "inside a release freeze",
    change: { freezes: [{ name: "year-end", start: "2026-12-01T00:00:00Z", end: "2027-01-04T00:00:00Z" }] },
    open: false,
    reasons: ["Frozen"],
  },
  {
    situation: "the instant a freeze ends",
    change: { freezes: [{ name: "audit", start: "2026-12-01T00:00:00Z", end: "2026-12-08T07:30:00Z" }] },
    open: true,
    reasons: [],
  },
  {
    situation: "the instant a freeze starts",
    change: { freezes: [{ name: "audit", start: "2026-12-08T07:30:00Z", end: "2026-12-09T00:00:00Z" }] },
    open: false,
    reasons: ["Frozen"],
  },
  {
    situation: "a freeze that is over or not begun",
    change: {
      freezes: [
        { name: "past", start: "2026-11-01T00:00:00Z", end: "2026-11-02T00:00:00Z" },
        { name: "future", start: "2027-01-01T00:00:00Z", end: "2027-01-02T00:00:00Z" },
      ],
    },
    open: true,
    reasons: [],
  },
  {
    situation: "several gates blocking at once: every reason, first one first",
    change: {
      previous: { name: "staging", state: "Failed" },
      changeRequest: undefined,
      lockHolder: "team/other",
    },
    open: false,
    reasons: ["PreviousNotVerified", "ChangeRequestMissing", "TargetLocked"],
  },
];

describe("promotion gate", () => {
  for (const row of rows) {
    it(row.situation, () => {
      const verdict = decidePromotionGate({ ...base, ...row.change });
      assert.equal(verdict.open, row.open);
      assert.deepEqual(
        verdict.blocking.map((b) => b.reason),
        row.reasons,
      );
      assert.equal(verdict.summary.reason, row.reasons[0] ?? "GateCleared");
      for (const b of verdict.blocking) assert.match(b.message, /\.$/, "messages are sentences");
    });
  }

  it("says when the next window opens", () => {
    const verdict = decidePromotionGate({ ...base, now: new Date("2026-12-08T13:00:00Z") });
    assert.match(verdict.summary.message, /tuesday-morning window opens at 2026-12-15T07:00:00.000Z/);
  });

  it("names the freeze, its end and its reason", () => {
    const verdict = decidePromotionGate({
      ...base,
      freezes: [
        {
          name: "year-end",
          start: "2026-12-01T00:00:00Z",
          end: "2027-01-04T00:00:00Z",
          reason: "peak trading",
        },
      ],
    });
    assert.equal(
      verdict.blocking[0]?.message,
      "The environment is frozen: year-end until 2027-01-04T00:00:00Z (peak trading).",
    );
  });

  it("names the tasks it waits for", () => {
    const verdict = decidePromotionGate({
      ...base,
      tasks: [{ name: "rel-prod-scan", type: "SecurityScan", phase: "Blocked" }],
    });
    assert.equal(
      verdict.summary.message,
      "Required checks are not done: waiting for rel-prod-scan to succeed; no task yet for UserAcceptance.",
    );
  });
});
