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
}

/**
 * Where audit events go. The implementation appends them to the hash-chained JSON-lines trail and mirrors each
 * as a Kubernetes Event. `record` resolves once the entry is durably written; it rejects if it could not be.
 */
export interface AuditRecorder {
  record(event: AuditEvent): Promise<void>;
}
