import type { ExcludedApprover } from "../../api/v1alpha1/approval.js";
import type { ChangeType, Requester } from "../../api/v1alpha1/change-request.js";
import type { GatePolicy, RiskClass } from "../../api/v1alpha1/environment.js";
import type { Commit } from "../../api/v1alpha1/release.js";
import type { LoadedAuthorPolicy } from "../../commits/author-policy.js";
import { ChangeReason } from "./reasons.js";
import { barredPeople, type GitAuthors } from "./separation-of-duties.js";
import { riskAtMost } from "./risk.js";
import { sentence } from "../deployment-task/wording.js";

/** The most exclusions an Approval can hold (the API's limit on `spec.excluded`). */
export const MAX_EXCLUDED = 200;

/** What the approval path of a change is decided from. */
export interface ApprovalPolicyInput {
  changeType: ChangeType;
  riskClass: RiskClass;
  environment: { name: string; regulated: boolean; gate: GatePolicy };
  requester: Requester | undefined;
  commits: readonly Commit[];
  /** The release's declarer and earlier declarers of its revision (`spec.declaredBy`), barred like the requester. */
  declarers?: readonly string[] | undefined;
  /** The commit authors read from the repository; `off` (the default) when the operator reads no git. */
  git?: GitAuthors | undefined;
  /** The git-to-Kubernetes identity mapping and its policy for unmapped authors. */
  identities?: LoadedAuthorPolicy | undefined;
}

/** How separation of duties resolved the people of a change, for the audit entry of its Approval. */
export interface DutyEvidence {
  declarers: string[];
  /** Where commit authors came from: the repository and range read, or only the Release's spec. */
  authorsFrom: string;
  mapped: Record<string, string>;
  unmapped: string[];
  identityMapping?: string;
  /**
   * The author date of the oldest commit the change brings, read from the repository (never from the Release's
   * spec): where the lead time for changes starts (ADR 0042). Absent when git was not read.
   */
  firstCommitAt?: string;
  /**
   * The size of the change set: how many commits git reported between the revision the environment ran and the
   * one the change brings (`range`, `<running>..<revision>`), for the large-change-set failure pattern (ADR 0041).
   * Absent when git was not read, or when nothing ran there before (the range is then the revision's whole history).
   */
  changeSet?: { commits: number; range: string };
}

/** The spec the operator writes when it opens an Approval; fixed from then on. */
export interface OpenedApprovalSpec {
  required: number;
  eligible: { users: string[]; groups: string[] };
  requiredGroups: string[];
  excluded: ExcludedApprover[];
}

/** The policy rules that approve a change without an Approval. */
export type PolicyRule = "StandardChangePreApproved" | "NoApprovalsRequired";

/** How a change gets decided: approved by policy, by the people of an Approval, or not yet (and why). */
export type ApprovalPath =
  | { kind: "policy"; rule: PolicyRule; message: string }
  | { kind: "approval"; spec: OpenedApprovalSpec; evidence?: DutyEvidence }
  | { kind: "blocked"; reason: ChangeReason; message: string };

/**
 * Whether requesters, declarers and commit authors are barred from deciding: the gate's setting, else on for
 * every gated environment (one that requires approvals) and every regulated one.
 */
export function separationOfDutiesApplies(environment: { regulated: boolean; gate: GatePolicy }): boolean {
  return (
    environment.gate.separationOfDuties ?? (environment.regulated || environment.gate.requiredApprovals > 0)
  );
}

/**
 * Where separation of duties may learn commit authors in this environment: `Repository` (only what the operator
 * reads from the repository) unless the gate says otherwise, for regulated environments; `Declared` (the Release's
 * `spec.source.commits` too) otherwise.
 */
export function commitAuthorSourceOf(environment: {
  regulated: boolean;
  gate: GatePolicy;
}): "Repository" | "Declared" {
  return environment.gate.commitAuthorSource ?? (environment.regulated ? "Repository" : "Declared");
}

/**
 * Decides the approval path of one round. A Standard change the gate pre-approves up to its `maxRisk`, and a
 * non-emergency change to a gate that needs no approvals and no CAB, are approved by policy. Otherwise the
 * Approval is opened: Emergency needs 1 approval from `emergency.approverGroups`; any other change
 * `requiredApprovals` (at least 1) from `approvers`, plus the CAB group (also made eligible) when the risk class
 * is one of `cabRiskClasses`; under separation of duties the requester, the release's declarers and every commit
 * author (from git when read, mapped to users) are excluded, and an unmapped author or a failed read blocks.
 * Blocked, with a reason naming what to fix, when the requester is unknown but needed, when nobody is
 * eligible, or when there are more exclusions than an Approval holds. Pure.
 */
export function decideApprovalPath(input: ApprovalPolicyInput): ApprovalPath {
  const { gate, name } = input.environment;
  const emergency = input.changeType === "Emergency";
  const requiredGroups = !emergency && gate.cabRiskClasses.includes(input.riskClass) ? [gate.cabGroup] : [];
  const standard = gate.standardChanges;
  if (input.changeType === "Standard" && standard?.preApproved === true) {
    if (riskAtMost(input.riskClass, standard.maxRisk)) {
      return {
        kind: "policy",
        rule: "StandardChangePreApproved",
        message:
          `Approved by policy: Environment ${name} pre-approves Standard changes up to risk ` +
          `${standard.maxRisk}, and this change is ${input.riskClass}.`,
      };
    }
  }
  if (!emergency && gate.requiredApprovals === 0 && requiredGroups.length === 0) {
    return {
      kind: "policy",
      rule: "NoApprovalsRequired",
      message: `Approved by policy: Environment ${name} requires no approvals (spec.gate.requiredApprovals is 0).`,
    };
  }
  const sod = separationOfDutiesApplies(input.environment);
  if (input.requester === undefined && (sod || emergency)) {
    return {
      kind: "blocked",
      reason: ChangeReason.RequesterUnknown,
      message: sentence([
        "spec.requestedBy is not stamped, so separation of duties and ownership cannot be worked out",
        "the admission webhook stamps it at creation: install it and create the change again",
      ]),
    };
  }
  const eligible = emergency
    ? { users: [], groups: unique(gate.emergency?.approverGroups ?? []) }
    : {
        users: unique(gate.approvers?.users ?? []),
        groups: unique([...(gate.approvers?.groups ?? []), ...requiredGroups]),
      };
  if (eligible.users.length + eligible.groups.length === 0) {
    const field = emergency ? "spec.gate.emergency.approverGroups" : "spec.gate.approvers";
    return {
      kind: "blocked",
      reason: ChangeReason.NoEligibleApprovers,
      message: `Nobody may decide this change: set ${field} on Environment ${name}.`,
    };
  }
  const git = input.git ?? { state: "off" };
  const unverified = sod && git.state === "off" && commitAuthorSourceOf(input.environment) === "Repository";
  if (unverified && !emergency) {
    return {
      kind: "blocked",
      reason: ChangeReason.CommitAuthorsUnverified,
      message:
        `Environment ${name} takes commit authors only from the repository (spec.gate.commitAuthorSource is ` +
        `${gate.commitAuthorSource === undefined ? "Repository for a regulated environment" : "Repository"}), ` +
        "but the operator reads no git, so separation of duties cannot know who wrote the release: give the " +
        "operator a --commit-authors-config with readFromGit and the repository in allowedRepositories, or set " +
        "spec.gate.commitAuthorSource: Declared to accept the authors spec.source.commits declares.",
    };
  }
  const duties = sod
    ? barredPeople({
        requester: input.requester,
        declarers: input.declarers ?? [],
        declaredCommits: input.commits,
        git,
        identities: input.identities,
      })
    : undefined;
  if (duties?.ok === false) return { kind: "blocked", reason: duties.reason, message: duties.message };
  const excluded = duties?.excluded ?? [];
  if (excluded.length > MAX_EXCLUDED) {
    return {
      kind: "blocked",
      reason: ChangeReason.TooManyExclusions,
      message:
        `Separation of duties excludes ${excluded.length} people (the requester and commit authors), more ` +
        `than an Approval holds (${MAX_EXCLUDED}); split the release into smaller ones.`,
    };
  }
  const required = emergency ? 1 : Math.max(gate.requiredApprovals, 1);
  const spec = { required, eligible, requiredGroups, excluded };
  if (duties === undefined) return { kind: "approval", spec };
  const evidence: DutyEvidence = {
    declarers: [...(input.declarers ?? [])],
    authorsFrom:
      git.state === "read"
        ? `git ${git.repoURL} ${git.range}`
        : unverified
          ? "spec.source.commits (unverified: an Emergency change in an environment that takes authors from the repository)"
          : "spec.source.commits",
    mapped: duties.mapped,
    unmapped: duties.unmapped,
    ...(input.identities === undefined ? {} : { identityMapping: input.identities.digest }),
    ...firstCommitOf(git),
    ...changeSetOf(git),
  };
  return { kind: "approval", spec, evidence };
}

/**
 * The people separation of duties bars: the requester, then every commit author by e-mail and by name, each
 * once (compared case-insensitively, first spelling kept), with a reason naming up to three of their commits.
 */
export function excludedApprovers(
  requester: Requester | undefined,
  commits: readonly Commit[],
): ExcludedApprover[] {
  const result = barredPeople({
    requester,
    declarers: [],
    declaredCommits: commits,
    git: { state: "off" },
    identities: undefined,
  });
  return result.ok ? result.excluded : [];
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** How many commits git read between the running revision and the change's, for the evidence; nothing otherwise. */
function changeSetOf(git: GitAuthors): { changeSet?: { commits: number; range: string } } {
  if (git.state !== "read" || !git.range.includes("..")) return {};
  return { changeSet: { commits: git.commits.length, range: git.range } };
}

/** The oldest author date of the commits read from git, for the evidence; nothing when git was not read. */
function firstCommitOf(git: GitAuthors): { firstCommitAt?: string } {
  if (git.state !== "read") return {};
  const dates = git.commits.flatMap((c) => (c.authoredAt === undefined ? [] : [c.authoredAt])).sort();
  return dates[0] === undefined ? {} : { firstCommitAt: dates[0] };
}
