import { transitionDigest, transitionId, type AuditEvent } from "../../audit/recorder.js";
import { currentOwners } from "../../policy/task-ownership.js";
import type { AuditedTask } from "./item-audit.js";

function auditObject(task: AuditedTask): AuditEvent["object"] {
  const { name, namespace, uid } = task.metadata;
  return {
    kind: "DeploymentTask",
    name,
    ...(namespace === undefined ? {} : { namespace }),
    ...(uid === undefined ? {} : { uid }),
  };
}

/**
 * A `TaskHandedOver` for each hand-over the stored task keeps and a `TaskAcknowledged` for its acknowledgement, each
 * by the user admission stamped (a person cannot type it) at the stamped time. Derived from the stored task, so a
 * refused request is never on record as done; the transition (task uid, stamped time, who, to whom) keeps each act
 * once however often a pass sees it, and an entry dropped from the bounded history was recorded while it was there
 * (ADR 0031, ADR 0049).
 */
export function taskHandoverAudit(task: AuditedTask): AuditEvent[] {
  const { uid } = task.metadata;
  const { spec } = task;
  const common = { type: spec.type, environment: spec.environment ?? null };
  const handovers = spec.handovers.map((entry, index): AuditEvent => {
    const from = index === 0 ? spec.owners : [spec.handovers[index - 1]?.to ?? entry.to];
    return {
      actor: entry.by,
      action: "TaskHandedOver",
      object: auditObject(task),
      details: {
        ...common,
        from: from.map((o) => ({ kind: o.kind, name: o.name })),
        to: { kind: entry.to.kind, name: entry.to.name },
        handedOverBy: entry.by,
        handedOverAt: entry.at,
        ...(entry.reason === undefined ? {} : { reason: entry.reason }),
      },
      ...(uid === undefined
        ? {}
        : {
            transition: transitionId(
              "DeploymentTask",
              uid,
              "TaskHandedOver",
              entry.at,
              transitionDigest([entry.by, entry.to.kind, entry.to.name]),
            ),
          }),
    };
  });
  const ack = spec.acknowledgement;
  const acknowledged: AuditEvent[] =
    ack === undefined
      ? []
      : [
          {
            actor: ack.by,
            action: "TaskAcknowledged",
            object: auditObject(task),
            details: {
              ...common,
              acknowledgedBy: ack.by,
              acknowledgedAt: ack.at,
              owners: currentOwners(spec).map((o) => ({ kind: o.kind, name: o.name })),
            },
            ...(uid === undefined
              ? {}
              : {
                  transition: transitionId("DeploymentTask", uid, "TaskAcknowledged", ack.at, ack.by),
                }),
          },
        ];
  return [...handovers, ...acknowledged];
}
