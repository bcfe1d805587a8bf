import { Counter } from "prom-client";
import type { EscalationStep } from "../../api/v1alpha1/escalation-status.js";
import { transitionDigest, transitionId, type AuditEvent } from "../../audit/recorder.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { ControllerDeps } from "../deps.js";
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

/** `stagegate_escalations_total{kind,level}`: levels reached, counted by the replica that stored them. */
export function escalationCounter(deps: Pick<ControllerDeps, "metrics">): Counter<"kind" | "level"> {
  const existing = deps.metrics.registry.getSingleMetric("stagegate_escalations_total");
  if (existing instanceof Counter) return existing;
  return new Counter({
    name: "stagegate_escalations_total",
    help: "Escalation levels reached (an SLA breached and not resolved by then), by kind (task, approval) and level",
    labelNames: ["kind", "level"],
    registers: [deps.metrics.registry],
  });
}
