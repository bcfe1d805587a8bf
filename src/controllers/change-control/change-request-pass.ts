import type { ChangeRequestSpec, ChangeRequestStatus } from "../../api/v1alpha1/change-request.js";
import type { GatePolicy } from "../../api/v1alpha1/environment.js";
import type { Commit } from "../../api/v1alpha1/release.js";
import { transitionId, type AuditAction, type AuditEvent, type AuditObject } from "../../audit/recorder.js";
import type { EventSpec } from "../../runtime/events.js";
import type { LoadedAuthorPolicy } from "../../commits/author-policy.js";
import type { ReadApproval } from "./approval-input.js";
import type { OpenedApprovalSpec } from "./approval-spec.js";
import type { GitAuthors } from "./separation-of-duties.js";
import { ChangeReason, OPERATOR } from "./reasons.js";
import type { ReviewTaskPlan } from "./review-task.js";

/** Everything the decision about one ChangeRequest needs, gathered by the reconciler. */
export interface ChangeRequestDecisionInput {
  metadata: { name: string; namespace: string; uid?: string | undefined; generation?: number | undefined };
  spec: ChangeRequestSpec;
  status?: ChangeRequestStatus | undefined;
  /** The Environment named by `spec.environment`; undefined when it does not exist. */
  environment?: { name: string; regulated: boolean; gate: GatePolicy } | undefined;
  /**
   * The Release named by `spec.releaseRef`; undefined when it does not exist. `declarers` come from its
   * `spec.declaredBy`, `git` from its repository (read only when a round is due), and `bindingMismatch` says why
   * the Release found by name is not the one `spec.binding` names.
   */
  release?:
    | {
        commits: readonly Commit[];
        declarers?: readonly string[] | undefined;
        git?: GitAuthors | undefined;
        bindingMismatch?: string | undefined;
      }
    | undefined;
  /** The operator's git-to-Kubernetes identity mapping (`--commit-authors-config`), when configured. */
  authorPolicy?: LoadedAuthorPolicy | undefined;
  /** Whether the target environment's delivery object is labelled `stagegate.io/criticality: high`. */
  criticalTarget: boolean;
  /**
   * The Approval named by `status.approvalRef`, when it exists and this change controls it: as stored, with the
   * metadata its expiry is counted from.
   */
  approval?: (ReadApproval & { name: string }) | undefined;
  /** The review task of an emergency change, when it exists: its current `spec.dueAt`. */
  reviewTask?: { dueAt?: string | undefined } | undefined;
}

/** The Approval to open for a round: its deterministic name and fixed spec. */
export interface ApprovalPlan {
  name: string;
  round: number;
  spec: OpenedApprovalSpec;
}

/** A condition's conclusion, before the transition time is added. */
export interface Verdict {
  status: "True" | "False" | "Unknown";
  reason: ChangeReason;
  message: string;
}

/**
 * The working state of one decision pass: each step reads the input and what earlier steps concluded, and
 * adds to it. Local to {@link decideChangeRequest}, so the decision as a whole stays pure.
 */
export interface Pass {
  readonly input: ChangeRequestDecisionInput;
  readonly now: Date;
  /** The status being decided, without conditions. */
  status: ChangeRequestStatus;
  /** The `Approved` condition when a step decided it in this pass. */
  approved?: Verdict;
  /** The `Closed` condition when a step decided it in this pass (otherwise it follows from the status). */
  closed?: Verdict;
  /** Set by a step that cannot go on; later steps do nothing. */
  stopped: boolean;
  openApproval?: ApprovalPlan;
  reviewTask?: ReviewTaskPlan;
  audit: AuditEvent[];
  events: EventSpec[];
}

/** The ChangeRequest as the audit trail names it. */
export function changeObject(pass: Pass): AuditObject {
  const { name, namespace, uid } = pass.input.metadata;
  return { kind: "ChangeRequest", namespace, name, ...(uid === undefined ? {} : { uid }) };
}

/**
 * Adds an audit entry, by the operator unless another actor is named. `message` is the sentence a reader sees
 * first (the trail mirrors it as the Event note); `details` carry the facts behind it.
 */
export function audit(
  pass: Pass,
  action: AuditAction,
  message: string,
  details: Record<string, unknown>,
  options: { actor?: string; object?: AuditObject } = {},
): void {
  const { uid } = pass.input.metadata;
  pass.audit.push({
    actor: options.actor ?? OPERATOR,
    action,
    object: options.object ?? changeObject(pass),
    details: { message, changeRequest: pass.input.metadata.name, ...details },
    // One fact per change, action, round and rule (an approved emergency change may also expire unused), the same
    // in every pass that decides it again (ADR 0031).
    ...(uid === undefined
      ? {}
      : {
          transition: transitionId(
            "ChangeRequest",
            uid,
            action,
            `r${pass.status.round ?? 0}`,
            typeof details.rule === "string" ? details.rule : "",
          ),
        }),
  });
}

/** Stops the pass with the `Approved` condition Unknown for `reason`: something must change first. */
export function block(pass: Pass, reason: ChangeReason, message: string): void {
  pass.approved = { status: "Unknown", reason, message };
  pass.stopped = true;
}

/**
 * Stops the pass of a resolved change because its Environment is missing: the resolution stands, but the
 * review task and closing need the Environment's policy, so the `Closed` condition says what is missing.
 */
export function holdForEnvironment(pass: Pass): void {
  pass.closed = {
    status: "False",
    reason: ChangeReason.EnvironmentNotFound,
    message:
      `Environment ${pass.input.spec.environment} does not exist, so the change cannot be followed up or ` +
      "closed: create it, or fix spec.environment.",
  };
  pass.stopped = true;
}
