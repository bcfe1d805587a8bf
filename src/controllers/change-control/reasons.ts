/**
 * Condition types, reasons and names of the change-control controllers, in one place so the CLI, the docs and
 * the tests use the same words.
 */

/** The field manager of every object the operator applies, and the actor of its audit entries. */
export const OPERATOR = "stagegate-operator";

/** The actor and `resolvedBy` of a change approved by policy, without an Approval. */
export const POLICY = "policy";

/** The label on every Approval and DeploymentTask opened for a ChangeRequest, naming it. */
export const CHANGE_REQUEST_LABEL = "stagegate.io/change-request";

/** The label on an Argo CD Application or Flux object that raises the risk of changes it delivers. */
export const CRITICALITY_LABEL = "stagegate.io/criticality";

/**
 * The conditions a ChangeRequest reports: `Approved` is the summary (True: may go ahead; False: will not;
 * Unknown: not decided yet, with the reason saying what it waits for), `Closed` whether the change is closed.
 */
export const ChangeCondition = { Approved: "Approved", Closed: "Closed" } as const;

/** The condition an Approval reports: whether its outcome is settled. */
export const ApprovalCondition = { Decided: "Decided" } as const;

/** Every reason the change-control controllers write on a condition or an event. */
export const ChangeReason = {
  // Approved True
  Approved: "Approved",
  PreApproved: "PreApproved",
  // Approved False
  Rejected: "Rejected",
  Expired: "Expired",
  // Approved Unknown
  Deferred: "Deferred",
  AwaitingDecision: "AwaitingDecision",
  EnvironmentNotFound: "EnvironmentNotFound",
  ReleaseNotFound: "ReleaseNotFound",
  RequesterUnknown: "RequesterUnknown",
  NoEligibleApprovers: "NoEligibleApprovers",
  TooManyExclusions: "TooManyExclusions",
  UnmappedCommitAuthor: "UnmappedCommitAuthor",
  CommitAuthorsUnreadable: "CommitAuthorsUnreadable",
  CommitAuthorsUnverified: "CommitAuthorsUnverified",
  RepositoryNotAllowed: "RepositoryNotAllowed",
  ReleaseBindingMismatch: "ReleaseBindingMismatch",
  ApprovalMissing: "ApprovalMissing",
  // Closed
  Open: "Open",
  AwaitingUse: "AwaitingUse",
  Used: "Used",
} as const;
export type ChangeReason = (typeof ChangeReason)[keyof typeof ChangeReason];

/** The name of the Approval of a round: `<cr>` for round 1, `<cr>-r<N>` after. */
export function approvalName(changeRequest: string, round: number): string {
  return round <= 1 ? changeRequest : `${changeRequest}-r${round}`;
}

/** The name of the post-implementation review task of an emergency change. */
export function reviewTaskName(changeRequest: string): string {
  return `${changeRequest}-review`;
}
