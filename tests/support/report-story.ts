// A release's life as the operator records it (the shapes of src/controllers/** and src/webhooks/**): requested,
// approved under separation of duties, checked with evidence, promoted to staging and prod, verified, rolled back
// by an alert through a freeze as break-glass with its emergency change reviewed. Shared by the report tests; user
// text carries markup, as a hostile approver or scanner would write it.
import type { AuditEvent } from "../../src/audit/recorder.js";

export const REVISION = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
export const PREVIOUS = "1a1a1a1d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
export const HOSTILE = "<script>alert('pwned')</script>";

const OPERATOR = "stagegate-operator";

/** The names a story uses in its namespace. */
export interface StoryNames {
  namespace: string;
  release: string;
  change: string;
  rollbackTask: string;
  emergencyChange: string;
  reviewTask: string;
  checkTask: string;
  verificationTask: string;
}

/** The names of the story of `release` in `namespace`. */
export function storyNames(namespace: string, release = "shop-1-4-0"): StoryNames {
  const rollbackTask = `${release}-prod-rollback-3fa1c2d4e5f60718-20261206073743`;
  const emergencyChange = `${rollbackTask}-emergency`;
  return {
    namespace,
    release,
    change: `${release}-prod-52fb0b613d`,
    rollbackTask,
    emergencyChange,
    reviewTask: `${emergencyChange}-review`,
    checkTask: `${release}-prod-security-scan-c12d593bb0`,
    verificationTask: `${release}-prod-verification`,
  };
}

/** Every event of the story, in the order the operator and the webhooks record them. */
export function releaseStory(n: StoryNames): AuditEvent[] {
  const ns = n.namespace;
  const release = {
    kind: "Release",
    namespace: ns,
    name: n.release,
    uid: "5e927d20-39df-45a8-81ed-a1b6ce46332c",
  };
  const change = { kind: "ChangeRequest", namespace: ns, name: n.change };
  const approval = { kind: "Approval", namespace: ns, name: n.change };
  const rollback = { kind: "DeploymentTask", namespace: ns, name: n.rollbackTask };
  const emergency = { kind: "ChangeRequest", namespace: ns, name: n.emergencyChange };
  const target = (env: string) => `Argo CD Application ${ns}/shop-${env}`;
  const op = (
    action: AuditEvent["action"],
    object: AuditEvent["object"],
    details: Record<string, unknown>,
  ): AuditEvent => ({
    actor: OPERATOR,
    action,
    object,
    details,
  });
  return [
    op("TargetLocked", release, { environment: "staging", target: target("staging"), revision: REVISION }),
    op("ReleasePromoted", release, {
      environment: "staging",
      target: target("staging"),
      revision: REVISION,
      requested: true,
      message: `Requested a sync of the application to ${REVISION}.`,
    }),
    op("EnvironmentVerified", release, { environment: "staging", revision: REVISION }),
    op("TargetUnlocked", release, { environment: "staging", target: target("staging") }),
    op("ChangeRequested", change, {
      environment: "prod",
      type: "Normal",
      release: n.release,
      requestedBy: { username: OPERATOR, groups: ["stagegate:operators"] },
    }),
    op("ApprovalOpened", approval, {
      message: `Opened Approval ${n.change} for round 1: 2 approvals needed from group cab; 1 excluded under separation of duties.`,
      changeRequest: n.change,
      round: 1,
      riskClass: "high",
      riskRule: "RegulatedEnvironment",
      required: 2,
      eligible: { users: [], groups: ["cab"] },
      requiredGroups: [],
      excluded: [{ user: "dave", reason: "declared the release and wrote its commits" }],
    }),
    {
      actor: "bob",
      action: "TaskItemCompleted",
      object: { kind: "DeploymentTask", namespace: ns, name: n.checkTask },
      details: {
        type: "SecurityScan",
        environment: "prod",
        commit: REVISION,
        completedBy: "bob",
        items: [
          {
            name: "scan-run",
            state: "Done",
            evidence: { result: "Passed", uri: "https://scans.example.com/shop/1.4.0", notes: HOSTILE },
          },
        ],
      },
    },
    {
      actor: "alice",
      action: "DecisionRecorded",
      object: approval,
      details: { decision: "Approve", comment: `CAB reviewed ${HOSTILE}`, changeRequest: n.change },
    },
    {
      actor: "carol",
      action: "DecisionRecorded",
      object: approval,
      details: { decision: "Approve", comment: "Rollback plan checked.", changeRequest: n.change },
    },
    op("ChangeApproved", change, {
      message: `Approval ${n.change} (round 1): Approved, settled by carol, with 2 of 2 required approvals (alice, carol).`,
      changeRequest: n.change,
      approval: n.change,
      round: 1,
      resolvedBy: "carol",
      resolvedAt: "2026-12-06T07:05:13Z",
      approvers: ["alice", "carol"],
    }),
    op("TargetLocked", release, { environment: "prod", target: target("prod"), revision: REVISION }),
    op("ReleasePromoted", release, {
      environment: "prod",
      target: target("prod"),
      revision: REVISION,
      requested: true,
      message: `Requested a sync of the application to ${REVISION}.`,
      changeRequest: n.change,
    }),
    op("ChangeClosed", change, {
      message: "Closed the change (approved and used).",
      changeRequest: n.change,
      resolution: "Approved",
      closedAt: "2026-12-06T07:06:00.000Z",
      retainUntil: "2027-03-06T07:06:00.000Z",
    }),
    op("EnvironmentDeployed", release, { environment: "prod", revision: REVISION }),
    op(
      "VerificationPassed",
      { kind: "DeploymentTask", namespace: ns, name: n.verificationTask },
      {
        release: n.release,
        environment: "prod",
        revision: REVISION,
        prometheusURL: "http://prometheus:9090",
        window: "10m",
        interval: "1m",
        deployedAt: "2026-12-06T07:06:00Z",
        checks: [{ name: "error-rate", measurements: 10, min: 0.01, max: 0.02, threshold: "< 0.05" }],
      },
    ),
    op("EnvironmentVerified", release, { environment: "prod", revision: REVISION }),
    op("TargetUnlocked", release, { environment: "prod", target: target("prod") }),
    {
      actor: "alertmanager:am-1",
      action: "RollbackTaskOpened",
      object: rollback,
      details: {
        receiver: "stagegate-webhook",
        alertname: "HighErrorRate",
        fingerprint: "3fa1c2d4e5f60718",
        startsAt: "2026-12-06T07:37:43Z",
        labels: { alertname: "HighErrorRate", app: "shop" },
        release: `${ns}/${n.release}`,
        environment: "prod",
        matchedBy: "alertSelector",
        message: `Opened Rollback task ${ns}/${n.rollbackTask} for ${ns}/${n.release} in prod.`,
      },
    },
    op("EnvironmentFailed", release, {
      environment: "prod",
      revision: REVISION,
      reasons: [
        `Rollback task ${n.rollbackTask} was opened after alert HighErrorRate fired; the release is held here.`,
      ],
    }),
    op("ChangeRequested", emergency, {
      environment: "prod",
      type: "Emergency",
      release: n.release,
      requestedBy: { username: OPERATOR, groups: ["stagegate:operators"] },
    }),
    op("BreakGlassRollback", rollback, {
      changeRequest: n.emergencyChange,
      release: n.release,
      environment: "prod",
      freezes: ["year-end"],
      revision: PREVIOUS,
    }),
    op("RollbackStarted", rollback, {
      release: n.release,
      environment: "prod",
      policy: "Automatic",
      alert: { name: "HighErrorRate", fingerprint: "3fa1c2d4e5f60718" },
      from: REVISION,
      to: PREVIOUS,
      previousRelease: `${ns}/shop-1-3-0`,
      breakGlass: n.emergencyChange,
      freezes: ["year-end"],
    }),
    op(
      "ApprovalOpened",
      { kind: "Approval", namespace: ns, name: n.emergencyChange },
      {
        message: `Opened Approval ${n.emergencyChange} for round 1: 1 approval needed from group emergency-approvers.`,
        changeRequest: n.emergencyChange,
        round: 1,
        riskClass: "critical",
        riskRule: "Emergency",
        required: 1,
        eligible: { users: [], groups: ["emergency-approvers"] },
        requiredGroups: [],
        excluded: [{ user: OPERATOR, reason: "requested the change" }],
      },
    ),
    op("RollbackCompleted", rollback, {
      release: n.release,
      environment: "prod",
      policy: "Automatic",
      alert: { name: "HighErrorRate", fingerprint: "3fa1c2d4e5f60718" },
      result: "Passed",
      from: REVISION,
      to: PREVIOUS,
      message: `The target runs ${PREVIOUS}, in sync and healthy.`,
    }),
    {
      actor: "erin",
      action: "DecisionRecorded",
      object: { kind: "Approval", namespace: ns, name: n.emergencyChange },
      details: {
        decision: "Approve",
        comment: "Reviewed the rollback: justified",
        changeRequest: n.emergencyChange,
      },
    },
    op("ChangeApproved", emergency, {
      message: `Approval ${n.emergencyChange} (round 1): Approved, settled by erin.`,
      changeRequest: n.emergencyChange,
      approval: n.emergencyChange,
      round: 1,
      resolvedBy: "erin",
      resolvedAt: "2026-12-06T07:38:45Z",
      approvers: ["erin"],
    }),
    op(
      "ReviewTaskOpened",
      { kind: "DeploymentTask", namespace: ns, name: n.reviewTask },
      {
        message: `Opened the post-implementation review ${n.reviewTask}.`,
        changeRequest: n.emergencyChange,
        owners: [{ kind: "Group", name: "stagegate:operators" }],
        dueAt: "2026-12-08T07:38:43.922Z",
      },
    ),
    {
      actor: "frank",
      action: "TaskItemCompleted",
      object: { kind: "DeploymentTask", namespace: ns, name: n.reviewTask },
      details: {
        type: "PostImplementationReview",
        environment: "prod",
        commit: PREVIOUS,
        completedBy: "frank",
        items: [
          { name: "emergency-justified", state: "Done" },
          { name: "change-verified", state: "Done" },
          { name: "follow-up", state: "Done" },
        ],
      },
    },
  ];
}
