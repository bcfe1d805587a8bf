import { createHash } from "node:crypto";

/** The object an audit entry is about. */
export interface AuditObject {
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

/** The actions the audit trail records; each is a CamelCase word, also used as the mirrored Event's reason. */
export type AuditAction =
  | "ChangeRequested"
  | "DecisionRecorded"
  | "AdmissionDenied"
  | "ApprovalOpened"
  | "ChangeApproved"
  | "ChangeRejected"
  | "ChangeDeferred"
  | "ChangeExpired"
  | "ChangeClosed"
  | "ReviewTaskOpened"
  | "TargetLocked"
  | "TargetUnlocked"
  | "ReleasePromoted"
  | "EnvironmentDeployed"
  | "EnvironmentVerified"
  | "EnvironmentFailed"
  | "UnapprovedDeployment"
  | "GateRefused"
  | "GateWaitChanged"
  | "RevisionResolved"
  | "DriftChecked"
  | "PipelineEventReceived"
  | "RollbackTaskOpened"
  | "AlertResolved"
  | "RollbackStarted"
  | "RollbackCompleted"
  | "RollbackHeld"
  | "BreakGlassRollback"
  | "RollbackTaskRefused"
  | "RollbackPolicyChangeIgnored"
  | "AlertRefused"
  | "RollbackValidated"
  | "VerificationMeasured"
  | "VerificationPassed"
  | "VerificationFailed"
  | "TaskItemCompleted"
  | "TaskAcknowledged"
  | "TaskHandedOver"
  | "TaskEscalated"
  | "ApprovalEscalated"
  | "ReceiverRequestRefused"
  | "RecordArchived"
  | "RecordsPurged";

/** What a caller says happened; the recorder adds the time, the sequence number and the hash chain. */
export interface AuditEvent {
  /** Who did it: the authenticated user name from the API request, or `stagegate-operator`, or `policy`. */
  actor: string;
  action: AuditAction;
  object: AuditObject;
  /** Facts a reader needs (decision, comment, rule that denied, resolution, ...). JSON values only. */
  details: Record<string, unknown>;
  /**
   * The fact's stable id (see {@link transitionId}), derived from the object's state so that every pass, replica
   * and retry that sees the same fact names it alike. A store holds at most one entry per transition: recording a
   * transition it already holds resolves without writing, so a pass that cannot tell whether a crash lost the
   * entry simply records it again (ADR 0031).
   */
  transition?: string;
}

/**
 * A transition id from its parts: the object's kind and uid (so a re-created object is a new history), the action,
 * and whatever tells one occurrence from the next (an environment and promotion count, a round, a user and time).
 * Parts are joined with `/`; a part's own `/` and `%` are percent-escaped so two different part lists never meet.
 */
export function transitionId(
  kind: string,
  uid: string,
  action: AuditAction,
  ...parts: readonly (string | number)[]
): string {
  const escape = (part: string | number): string =>
    String(part).replaceAll("%", "%25").replaceAll("/", "%2F");
  const rest = parts.map(escape).join("/");
  // Long discriminators (user names, revisions) are replaced by their digest, so an id always fits an entry.
  const tail = rest.length > 160 ? `sha256:${createHash("sha256").update(rest).digest("hex")}` : rest;
  return [escape(kind), escape(uid), action, ...(tail === "" ? [] : [tail])].join("/");
}

/** A short digest of any JSON value, for a transition part that must tell apart contents (messages, lists). */
export function transitionDigest(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 24);
}

/**
 * Where audit events go. The implementation appends them to the hash-chained JSON-lines trail and mirrors each
 * as a Kubernetes Event. `record` resolves once the entry is durably written (or, for an event with a transition
 * the store already holds, at once without writing); it rejects if it could not be.
 */
export interface AuditRecorder {
  record(event: AuditEvent): Promise<void>;
  /**
   * Resolves when the store can take entries now, rejects (saying why) when it cannot: admission asks before it
   * lets through a request whose entry a controller records once the API server stored it.
   */
  available(): Promise<void>;
}
