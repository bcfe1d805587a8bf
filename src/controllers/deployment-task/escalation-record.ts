import type { EscalationStep } from "../../api/v1alpha1/escalation-status.js";
import type { AuditEvent } from "../../audit/recorder.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { escalationEntry } from "../escalation-audit.js";

/** The `TaskEscalated` entry of one level a task reached, with the task's type and environment. */
export function escalationAudit(task: KubeObject, step: EscalationStep): AuditEvent {
  const spec = task.spec as { type?: unknown; environment?: unknown } | undefined;
  return escalationEntry({ kind: "DeploymentTask", ...task.metadata }, step, {
    type: typeof spec?.type === "string" ? spec.type : null,
    environment: typeof spec?.environment === "string" ? spec.environment : null,
  });
}
