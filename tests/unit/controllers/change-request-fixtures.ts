import type { z } from "zod";
import { ApprovalSpec, type ApprovalStatus, type Decision } from "../../../src/api/v1alpha1/approval.js";
import { ChangeRequestSpec, type ChangeRequestStatus } from "../../../src/api/v1alpha1/change-request.js";
import { GatePolicy } from "../../../src/api/v1alpha1/environment.js";
import type { Commit } from "../../../src/api/v1alpha1/release.js";
import type { ChangeRequestDecisionInput } from "../../../src/controllers/change-control/change-request-decide.js";

/** The instant the change-control tests start from. */
export const T0 = new Date("2030-01-01T00:00:00Z");
/** An hour in milliseconds. */
export const HOUR = 3_600_000;

/** `hours` after T0. */
export function at(hours: number): Date {
  return new Date(T0.getTime() + hours * HOUR);
}

/** `hours` after T0 as the API writes it. */
export function ts(hours: number): string {
  return at(hours)
    .toISOString()
    .replace(/\.000Z$/, "Z");
}

/** A gate policy with the API's defaults filled in. */
export function gate(input: z.input<typeof GatePolicy> = {}): GatePolicy {
  return GatePolicy.parse(input);
}

/** An Environment as the decision sees it. */
export function environment(
  input: z.input<typeof GatePolicy> = {},
  regulated = false,
  name = "prod",
): { name: string; regulated: boolean; gate: GatePolicy } {
  return { name, regulated, gate: gate(input) };
}

/** `n` commits by `author` (name and e-mail derived from it) with distinct shas. */
export function commits(n: number, author = "Bob Builder", email = "bob@example.com"): Commit[] {
  return Array.from({ length: n }, (_, i) => ({
    sha: (i + 1).toString(16).padStart(7, "a"),
    author: { name: author, email },
  }));
}

/** A ChangeRequest spec with the API's defaults; Emergency gets an emergency block expiring at +24h. */
export function crSpec(input: Partial<z.input<typeof ChangeRequestSpec>> = {}): ChangeRequestSpec {
  const type = input.type ?? "Normal";
  return ChangeRequestSpec.parse({
    releaseRef: { name: "api-1" },
    environment: "prod",
    type,
    justification: "Fix the refund rounding bug.",
    plannedWindow: { start: ts(1), end: ts(2) },
    requestedBy: { username: "dave", groups: ["release-managers", "system:authenticated"] },
    ...(type === "Emergency" ? { emergency: { reason: "Payments are down.", expiresAt: ts(24) } } : {}),
    ...input,
  });
}

/** An Approval spec with defaults: 1 approval from group approvers, nobody excluded, no decisions. */
export function approvalSpec(input: Partial<z.input<typeof ApprovalSpec>> = {}): ApprovalSpec {
  return ApprovalSpec.parse({
    changeRequestRef: { name: "change" },
    required: 1,
    eligible: { groups: ["approvers"] },
    ...input,
  });
}

/** Decision shorthands: who decided is the map key; groups default to approvers. */
export const decide = {
  approve: (hours: number, groups = ["approvers"], comment?: string): Decision => ({
    decision: "Approve",
    decidedAt: ts(hours),
    groups,
    ...(comment === undefined ? {} : { comment }),
  }),
  reject: (hours: number, comment?: string, groups = ["approvers"]): Decision => ({
    decision: "Reject",
    decidedAt: ts(hours),
    groups,
    ...(comment === undefined ? {} : { comment }),
  }),
  defer: (hours: number, revisitHours: number, groups = ["approvers"]): Decision => ({
    decision: "Defer",
    decidedAt: ts(hours),
    revisitAt: ts(revisitHours),
    groups,
  }),
};

/** The decision input for change `change` with a release of 3 commits by Bob, in a regulated prod. */
export function crInput(options: {
  spec?: Partial<z.input<typeof ChangeRequestSpec>>;
  status?: ChangeRequestStatus;
  environment?: ReturnType<typeof environment> | null;
  commits?: Commit[] | null;
  criticalTarget?: boolean;
  approval?: { name?: string; spec?: ApprovalSpec; status?: ApprovalStatus };
  reviewTask?: { dueAt?: string };
}): ChangeRequestDecisionInput {
  const env =
    options.environment === null
      ? undefined
      : (options.environment ??
        environment({ requiredApprovals: 2, approvers: { groups: ["approvers"] } }, true));
  return {
    metadata: { name: "change", namespace: "team", uid: "uid-1", generation: 1 },
    spec: crSpec(options.spec),
    // A given status is one the operator wrote (it observed the change); none is a change it sees for the first
    // time, whose pass records ChangeRequested.
    status:
      options.status === undefined || options.status.observedGeneration !== undefined
        ? options.status
        : { observedGeneration: 1, ...options.status },
    environment: env,
    // The operator read the release's range from its repository (regulated environments take authors only
    // from there) and found no commits beyond those the release declares.
    release:
      options.commits === null
        ? undefined
        : {
            commits: options.commits ?? commits(3),
            git: {
              state: "read",
              repoURL: "https://git.example.com/api.git",
              range: "0000000..aaaaaa3",
              commits: [],
            },
          },
    criticalTarget: options.criticalTarget ?? false,
    approval:
      options.approval === undefined
        ? undefined
        : {
            name: options.approval.name ?? "change",
            metadata: {
              name: options.approval.name ?? "change",
              namespace: "team",
              uid: "apv-uid",
              generation: 1,
            },
            spec: options.approval.spec ?? approvalSpec(),
            status: options.approval.status,
          },
    reviewTask: options.reviewTask,
  };
}

/** Round 1 open on Approval `change`, as the first pass leaves it. */
export const OPEN: ChangeRequestStatus = {
  round: 1,
  approvalRef: { name: "change" },
  riskClass: "medium",
  riskRule: "RegulatedEnvironment",
};
/** An Approval approved by carol at +2h. */
export const APPROVED_BY_CAROL: ApprovalStatus = {
  outcome: "Approved",
  approvals: 2,
  decidedBy: "carol",
  decidedAt: ts(2),
  expiresAt: ts(72),
};
/** Regulated prod with emergency approvers. */
export const EMERGENCY_ENV = environment(
  {
    requiredApprovals: 2,
    approvers: { groups: ["approvers"] },
    emergency: { approverGroups: ["emergency-approvers"] },
  },
  true,
);
/** An Emergency change approved by erin at +1h, its review task opened. */
export const APPROVED_EMERGENCY: ChangeRequestStatus = {
  ...OPEN,
  riskClass: "critical",
  riskRule: "EmergencyInRegulatedEnvironment",
  resolution: "Approved",
  resolvedBy: "erin",
  resolvedAt: ts(1),
  reviewTaskRef: { name: "change-review" },
};
/** The operator as audit actor. */
export const OPERATOR = "stagegate-operator";
