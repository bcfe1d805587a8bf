/** A spec as plain JSON. */
export type Spec = Record<string, unknown>;

/** Minimal valid specs; each invalid row changes exactly one thing, so exactly one rule can reject it. */
export const VALID_SPECS = {
  Environment: (): Spec => ({ promotesFrom: ["staging"], gate: { requiredApprovals: 2 } }),
  Release: (): Spec => ({
    version: "1.0.0",
    source: { repoURL: "https://git.example.com/acme/api.git", revision: "abc1234" },
    pipeline: ["dev", "prod"],
    targets: [{ environment: "dev", argoCD: { name: "api-dev", revision: "abc1234" } }],
    owners: { releaseManager: { name: "dave" }, rollbackOwner: { kind: "Group", name: "oncall" } },
  }),
  DeploymentTask: (): Spec => ({
    type: "Checklist",
    title: "Prepare the rollout",
    checklist: [{ name: "backup", state: "Done" }],
  }),
  ChangeRequest: (): Spec => ({
    releaseRef: { name: "api-1.0.0" },
    environment: "prod",
    type: "Normal",
    justification: "Fixes the refund rounding bug.",
    plannedWindow: { start: "2026-12-08T08:00:00Z", end: "2026-12-08T10:00:00Z" },
  }),
  Approval: (): Spec => ({
    changeRequestRef: { name: "api-1.0.0-prod" },
    required: 1,
    eligible: { groups: ["approvers"] },
    decisions: { alice: { decision: "Approve", decidedAt: "2026-12-05T14:12:00Z" } },
  }),
};
/** A Stagegate kind with a valid base spec. */
export type Kind = keyof typeof VALID_SPECS;

/** One manifest the API server must reject, and what its error must say. */
export interface InvalidRow {
  case: string;
  kind: Kind;
  /** Changes the valid spec; receives the object's name for rules that look at metadata. */
  change: (spec: Spec, name: string) => Spec | undefined;
  field: string;
  message: string;
}

const at = (spec: Spec, key: string): Spec => spec[key] as Spec;
const first = (spec: Spec, key: string): Spec => (spec[key] as Spec[])[0] as Spec;

/**
 * Invalid manifests, one broken rule each: enums, required fields, dates, durations, name patterns, types,
 * list-map keys and the CEL rules of every kind.
 */
export const INVALID_MANIFESTS: InvalidRow[] = [
  // Environment
  {
    case: "an environment promoting from itself",
    kind: "Environment",
    change: (s, name) => ({ ...s, promotesFrom: [name] }),
    field: "spec.promotesFrom",
    message: "an environment cannot promote from itself",
  },
  {
    case: "too many required approvals",
    kind: "Environment",
    change: (s) => ({ ...s, gate: { requiredApprovals: 21 } }),
    field: "spec.gate.requiredApprovals",
    message: "should be less than or equal to 20",
  },
  {
    case: "a window with a bad duration",
    kind: "Environment",
    change: (s) => ({ ...s, gate: { windows: [{ schedule: "0 8 * * 1-5", duration: "4 hours" }] } }),
    field: "spec.gate.windows[0].duration",
    message: "should match",
  },
  {
    case: "a bad environment name in promotesFrom",
    kind: "Environment",
    change: (s) => ({ ...s, promotesFrom: ["Staging"] }),
    field: "spec.promotesFrom[0]",
    message: "should match",
  },
  {
    case: "a string where a boolean belongs",
    kind: "Environment",
    change: (s) => ({ ...s, regulated: "yes" }),
    field: "spec.regulated",
    message: "must be of type boolean",
  },
  {
    case: "an unknown risk class",
    kind: "Environment",
    change: (s) => ({ ...s, gate: { cabRiskClasses: ["severe"] } }),
    field: "spec.gate.cabRiskClasses[0]",
    message: 'Unsupported value: "severe"',
  },
  {
    case: "a freeze that ends before it starts",
    kind: "Environment",
    change: (s) => ({
      ...s,
      gate: { freezes: [{ name: "year-end", start: "2027-01-04T00:00:00Z", end: "2026-12-20T00:00:00Z" }] },
    }),
    field: "spec.gate.freezes[0].end",
    message: "a freeze must end after it starts",
  },
  {
    case: "a verification threshold with neither max nor min",
    kind: "Environment",
    change: (s) => ({
      ...s,
      verification: {
        prometheusURL: "http://prometheus.monitoring:9090",
        checks: [{ name: "error-rate", query: "vector(0)", threshold: { relativeTo: "Baseline" } }],
      },
    }),
    field: "spec.verification.checks[0].threshold",
    message: "set max, min or both on a threshold",
  },
  {
    case: "a verification check with a bad name",
    kind: "Environment",
    change: (s) => ({
      ...s,
      verification: {
        prometheusURL: "http://prometheus.monitoring:9090",
        checks: [{ name: "Error Rate", query: "vector(0)", threshold: { max: 0.05 } }],
      },
    }),
    field: "spec.verification.checks[0].name",
    message: "should match",
  },
  // Release
  {
    case: "an alert selector without labels",
    kind: "Release",
    change: (s) => ({
      ...s,
      targets: [
        {
          environment: "dev",
          argoCD: { name: "api-dev", revision: "abc1234" },
          alertSelector: { matchLabels: {} },
        },
      ],
    }),
    field: "spec.targets[0].alertSelector",
    message: "matchLabels needs at least one label",
  },
  {
    case: "a release without a version",
    kind: "Release",
    change: ({ version: _v, ...s }) => s,
    field: "spec.version",
    message: "Required value",
  },
  {
    case: "a release without a spec",
    kind: "Release",
    change: () => undefined,
    field: "spec",
    message: "Required value",
  },
  {
    case: "a target with both argoCD and flux",
    kind: "Release",
    change: (s) => ({
      ...s,
      targets: [{ ...first(s, "targets"), flux: { kind: "Kustomization", name: "api" } }],
    }),
    field: "spec.targets[0]",
    message: "set exactly one of argoCD or flux on each target",
  },
  {
    case: "a target with neither argoCD nor flux",
    kind: "Release",
    change: (s) => ({ ...s, targets: [{ environment: "dev" }] }),
    field: "spec.targets[0]",
    message: "set exactly one of argoCD or flux on each target",
  },
  {
    case: "rollback Disabled without a reason",
    kind: "Release",
    change: (s) => ({ ...s, rollbackPolicy: { mode: "Disabled" } }),
    field: "spec.rollbackPolicy.reason",
    message: "rollback mode Disabled needs a reason",
  },
  {
    case: "an empty pipeline",
    kind: "Release",
    change: (s) => ({ ...s, pipeline: [], targets: [] }),
    field: "spec.pipeline",
    message: "should have at least 1 items",
  },
  {
    case: "a target outside the pipeline",
    kind: "Release",
    change: (s) => ({ ...s, pipeline: ["prod"] }),
    field: "spec.targets",
    message: "every target's environment must be listed in spec.pipeline",
  },
  {
    case: "a work item of an unknown type",
    kind: "Release",
    change: (s) => ({ ...s, workItems: [{ id: "PAY-1", type: "Epic" }] }),
    field: "spec.workItems[0].type",
    message: 'Unsupported value: "Epic"',
  },
  {
    case: "a chart version on a Kustomization",
    kind: "Release",
    change: (s) => ({
      ...s,
      targets: [{ environment: "dev", flux: { kind: "Kustomization", name: "api", chartVersion: "1.0.0" } }],
    }),
    field: "spec.targets[0].flux.chartVersion",
    message: "chartVersion applies only to kind HelmRelease",
  },
  {
    case: "a commit id that is not hexadecimal",
    kind: "Release",
    change: (s) => ({
      ...s,
      source: { ...at(s, "source"), commits: [{ sha: "not-a-sha", author: { name: "bob" } }] },
    }),
    field: "spec.source.commits[0].sha",
    message: "should match",
  },
  {
    case: "an unknown Argo CD mode",
    kind: "Release",
    change: (s) => ({
      ...s,
      targets: [{ environment: "dev", argoCD: { name: "api", revision: "abc", mode: "Replace" } }],
    }),
    field: "spec.targets[0].argoCD.mode",
    message: 'Unsupported value: "Replace"',
  },
  // DeploymentTask
  {
    case: "dueAt and sla together",
    kind: "DeploymentTask",
    change: (s) => ({ ...s, dueAt: "2026-12-08T08:00:00Z", sla: "72h" }),
    field: "spec",
    message: "set either dueAt or sla, not both",
  },
  {
    case: "a required checklist item Skipped",
    kind: "DeploymentTask",
    change: (s) => ({ ...s, checklist: [{ name: "backup", state: "Skipped" }] }),
    field: "spec.checklist[0].state",
    message: "a required item cannot be Skipped",
  },
  {
    case: "a due date that is not a date",
    kind: "DeploymentTask",
    change: (s) => ({ ...s, dueAt: "next friday" }),
    field: "spec.dueAt",
    message: "must be of type date-time",
  },
  {
    case: "an SLA that is not a duration",
    kind: "DeploymentTask",
    change: (s) => ({ ...s, sla: "3 days" }),
    field: "spec.sla",
    message: "should match",
  },
  {
    case: "an unknown task type",
    kind: "DeploymentTask",
    change: (s) => ({ ...s, type: "Deploy" }),
    field: "spec.type",
    message: 'Unsupported value: "Deploy"',
  },
  {
    case: "a dependency that is not an object name",
    kind: "DeploymentTask",
    change: (s) => ({ ...s, dependsOn: ["Not_A_Name"] }),
    field: "spec.dependsOn[0]",
    message: "should match",
  },
  {
    case: "two checklist items with one name",
    kind: "DeploymentTask",
    change: (s) => ({ ...s, checklist: [{ name: "a" }, { name: "a" }] }),
    field: "spec.checklist[1]",
    message: "Duplicate value",
  },
  // ChangeRequest
  {
    case: "an Emergency change without emergency details",
    kind: "ChangeRequest",
    change: (s) => ({ ...s, type: "Emergency" }),
    field: "spec.emergency",
    message: "a change of type Emergency needs spec.emergency with a reason and an expiresAt",
  },
  {
    case: "an Emergency change without an expiry",
    kind: "ChangeRequest",
    change: (s) => ({ ...s, type: "Emergency", emergency: { reason: "Payments are down." } }),
    field: "spec.emergency.expiresAt",
    message: "Required value",
  },
  {
    case: "an Emergency change without a reason",
    kind: "ChangeRequest",
    change: (s) => ({ ...s, type: "Emergency", emergency: { expiresAt: "2026-12-09T08:00:00Z" } }),
    field: "spec.emergency.reason",
    message: "Required value",
  },
  {
    case: "emergency details on a Normal change",
    kind: "ChangeRequest",
    change: (s) => ({ ...s, emergency: { reason: "Urgent.", expiresAt: "2026-12-09T08:00:00Z" } }),
    field: "spec.emergency",
    message: "spec.emergency is only for changes of type Emergency",
  },
  {
    case: "a window that ends before it starts",
    kind: "ChangeRequest",
    change: (s) => ({ ...s, plannedWindow: { start: "2026-12-08T10:00:00Z", end: "2026-12-08T08:00:00Z" } }),
    field: "spec.plannedWindow.end",
    message: "the planned window must end after it starts",
  },
  {
    case: "an unknown change type",
    kind: "ChangeRequest",
    change: (s) => ({ ...s, type: "Urgent" }),
    field: "spec.type",
    message: 'Unsupported value: "Urgent"',
  },
  {
    case: "an artifact digest that is not a digest",
    kind: "ChangeRequest",
    change: (s) => ({ ...s, artifacts: [{ name: "api", digest: "latest" }] }),
    field: "spec.artifacts[0].digest",
    message: "should match",
  },
  // Approval
  {
    case: "a Defer decision without revisitAt",
    kind: "Approval",
    change: (s) => ({
      ...s,
      decisions: { alice: { decision: "Defer", decidedAt: "2026-12-05T14:12:00Z" } },
    }),
    field: "spec.decisions[alice].revisitAt",
    message: "a Defer decision needs revisitAt",
  },
  {
    case: "zero required approvals",
    kind: "Approval",
    change: (s) => ({ ...s, required: 0 }),
    field: "spec.required",
    message: "should be greater than or equal to 1",
  },
  {
    case: "a string where an integer belongs",
    kind: "Approval",
    change: (s) => ({ ...s, required: "two" }),
    field: "spec.required",
    message: "must be of type integer",
  },
  {
    case: "nobody eligible to decide",
    kind: "Approval",
    change: (s) => ({ ...s, eligible: {} }),
    field: "spec.eligible",
    message: "name at least one eligible user or group",
  },
  {
    case: "an unknown decision value",
    kind: "Approval",
    change: (s) => ({ ...s, decisions: { alice: { decision: "Maybe", decidedAt: "2026-12-05T14:12:00Z" } } }),
    field: "spec.decisions.alice.decision",
    message: "Unsupported value",
  },
  {
    case: "a decision time that is not a date",
    kind: "Approval",
    change: (s) => ({
      ...s,
      decisions: { alice: { decision: "Approve", decidedAt: "yesterday" } },
    }),
    field: "spec.decisions.alice.decidedAt",
    message: "must be of type date-time",
  },
];
