import type { EscalationStep } from "../api/v1alpha1/escalation-status.js";
import { transitionDigest, transitionId, type AuditEvent } from "../audit/recorder.js";
import { OPERATOR } from "./change-control/reasons.js";

/** The object an escalation entry is about. */
export interface EscalatedObject {
  kind: "DeploymentTask" | "Approval";
  name: string;
  namespace?: string | undefined;
  uid?: string | undefined;
}

/**
 * The `TaskEscalated` or `ApprovalEscalated` entry of one level reached: whom it notifies and when the level was due.
 * Its transition is the object's uid and the level, so however many passes decide the level (a failed write, a
 * restart, a new leader), the trail keeps one entry, and so does whatever notifies from the trail (ADR 0047).
 */
export function escalationEntry(
  object: EscalatedObject,
  step: EscalationStep,
  details: Record<string, unknown> = {},
): AuditEvent {
  const action = object.kind === "Approval" ? "ApprovalEscalated" : "TaskEscalated";
  const { kind, name, namespace, uid } = object;
  return {
    actor: OPERATOR,
    action,
    object: {
      kind,
      name,
      ...(namespace === undefined ? {} : { namespace }),
      ...(uid === undefined ? {} : { uid }),
    },
    details: {
      ...details,
      level: step.level,
      at: step.at,
      notify: { users: step.notified.users, groups: step.notified.groups },
    },
    ...(uid === undefined
      ? {}
      : { transition: transitionId(kind, uid, action, String(step.level), transitionDigest([step.at])) }),
  };
}
