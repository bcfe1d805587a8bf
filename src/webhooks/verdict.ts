/**
 * The answer of one admission rule. Rules are small pure functions returning a {@link Verdict}; a chain of them
 * stops at the first denial, so the denial names the rule that decided it, the way the design note's table reads.
 */

/**
 * Every rule an admission webhook can deny with. The first ten come from docs/design/change-control.md;
 * `ApprovalClosed` refuses decisions on an approval whose outcome is settled, `DecisionGroupsForged` backs the
 * stamped groups the way `DecisionTimeForged` backs the stamped time, and `AuditUnavailable` and `InternalError`
 * are the fail-closed answers when the webhook cannot record or compute a decision.
 */
export type RuleName =
  | "DecisionKeyMismatch"
  | "MultipleDecisions"
  | "NotEligible"
  | "SeparationOfDuties"
  | "DecisionImmutable"
  | "DecisionTimeForged"
  | "DecisionGroupsForged"
  | "RevisitInPast"
  | "ApprovalPrefilled"
  | "ApprovalClosed"
  | "EmergencyExpiry"
  | "RetentionNotOver"
  | "TargetNotOwned"
  | "StageSkipped"
  | "MutableRevision"
  | "DeclaredByForged"
  | "MalformedRequest"
  | "AuditUnavailable"
  | "InternalError"
  // DeploymentTasks (docs/security/task-attestation.md): who opens bound tasks, who completes which items, and
  // what evidence must name.
  | "TaskBindingReserved"
  | "TaskFieldImmutable"
  | "ChecklistImmutable"
  | "AutomatedItem"
  | "NotTaskOwner"
  | "EvidenceNotAttested"
  | "CompletionForged"
  // Acknowledging and handing over a task (ADR 0049): who and when are the server's stamps, history only grows.
  | "AcknowledgementForged"
  | "HandoverForged"
  | "HandoverHistoryImmutable"
  // The creator stamp of DeploymentTasks (ADR 0012): who created a task is the server's to say.
  | "CreatorForged"
  // The operator's record on a task (ADR 0064): its marks are its own, the log only grows, signed by the server.
  | "OperatorMarkReserved"
  | "LogRewritten"
  | "LogEntryForged"
  | "SealedTaskKept"
  // The release that runs in an environment speaks for its target there: only administrators retire it (ADR 0069).
  | "ReleaseStillRunning"
  // A release freeze in force refuses new Feature releases and their new tasks in its scope (ADR 0045).
  | "Frozen"
  // Workflow templates (ADR 0048): the template a release follows is the server's copy, and its Environments admit it.
  | "WorkflowForged"
  | "WorkflowTemplateNotFound"
  | "WorkflowTemplateInvalid"
  | "WorkflowTemplateRefused";

/** A rule's answer: allowed, or denied by a named rule with a sentence that says what to do. */
export type Verdict = { allowed: true } | Denial;

/** A denial: the rule that refused and a message a person can act on (without the rule prefix). */
export interface Denial {
  allowed: false;
  rule: RuleName;
  message: string;
}

/** The verdict of a rule that found nothing wrong. */
export const ALLOWED: Verdict = { allowed: true };

/** Builds a denial by `rule`. */
export function deny(rule: RuleName, message: string): Denial {
  return { allowed: false, rule, message };
}

/**
 * Runs `rules` in order over one input and returns the first denial, or {@link ALLOWED} when every rule passes.
 * Later rules may assume earlier ones passed (for example that there is exactly one new decision).
 */
export function firstDenial<T>(input: T, rules: readonly ((input: T) => Verdict)[]): Verdict {
  for (const rule of rules) {
    const verdict = rule(input);
    if (!verdict.allowed) return verdict;
  }
  return ALLOWED;
}

/** The text users see: the rule first, then the sentence, e.g. `NotEligible: erin is not ...`. */
export function denialText(denial: Denial): string {
  return `${denial.rule}: ${denial.message}`;
}
