import type { EscalationStep } from "../../api/v1alpha1/escalation-status.js";
import { transitionDigest, transitionId, type AuditEvent } from "../../audit/recorder.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { OPERATOR } from "../change-control/reasons.js";

/**
 * The `TaskEscalated` entry of one level reached: whom it notified and when the level was due. Its transition is the
 * task's uid and the level, so however many passes decide the level (a failed write, a restart, a new leader), the
 * trail keeps one entry, and so does whatever notifies from the trail.
 */
export function escalationAudit(task: KubeObject, step: EscalationStep): AuditEvent {
  const { name, namespace, uid } = task.metadata;
  const spec = task.spec as { type?: unknown; environment?: unknown } | undefined;
  return {
    actor: OPERATOR,
    action: "TaskEscalated",
    object: {
      kind: "DeploymentTask",
      name,
      ...(namespace === undefined ? {} : { namespace }),
      ...(uid === undefined ? {} : { uid }),
    },
    details: {
      type: typeof spec?.type === "string" ? spec.type : null,
      environment: typeof spec?.environment === "string" ? spec.environment : null,
      level: step.level,
      at: step.at,
      notify: { users: step.notified.users, groups: step.notified.groups },
    },
    ...(uid === undefined
      ? {}
      : {
          transition: transitionId(
            "DeploymentTask",
            uid,
            "TaskEscalated",
            String(step.level),
            transitionDigest([step.at]),
          ),
        }),
  };
}
