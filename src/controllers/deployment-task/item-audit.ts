import type { DeploymentTaskSpec } from "../../api/v1alpha1/deployment-task.js";
import { transitionDigest, transitionId, type AuditEvent } from "../../audit/recorder.js";
import { OPERATOR } from "../change-control/reasons.js";

/** The longest evidence field an audit entry copies; the object keeps the whole value. */
const AUDITED_EVIDENCE_CHARS = 512;

/** The evidence as the audit entry records it: its string fields, each cut to {@link AUDITED_EVIDENCE_CHARS}. */
function auditedEvidence(evidence: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(evidence)
      .filter((entry): entry is [string, string] => typeof entry[1] === "string")
      .map(([key, value]) => [key, value.slice(0, AUDITED_EVIDENCE_CHARS)]),
  );
}

/** The task an entry is about. */
export interface AuditedTask {
  metadata: { name: string; namespace?: string | undefined; uid?: string | undefined };
  spec: DeploymentTaskSpec;
}

/**
 * One `TaskItemCompleted` for each checklist item whose state or evidence someone set, as the API server stored it:
 * by `completedBy` (stamped by admission from the request's identity; a person cannot type it) at `completedAt`,
 * with the state and evidence. Derived from the stored task, so an edit the API server refused is never on record
 * as made; the transition (task uid, item, and what was set when) keeps each edit once however often a pass sees
 * it (ADR 0031). An edit overwritten before any pass saw it is recorded as its final state.
 */
export function taskItemAudit(task: AuditedTask): AuditEvent[] {
  const { metadata, spec } = task;
  const { uid } = metadata;
  return spec.checklist.flatMap((item) => {
    if (item.completedBy === undefined || item.completedAt === undefined) return [];
    // Items Stagegate concludes itself are on record as their own facts (VerificationPassed, RollbackCompleted,
    // DriftChecked); a person's stamp is their authenticated user name, which admission never sets to this.
    if (item.completedBy === OPERATOR) return [];
    const evidence = item.evidence === undefined ? undefined : auditedEvidence(item.evidence);
    return [
      {
        actor: item.completedBy,
        action: "TaskItemCompleted" as const,
        object: {
          kind: "DeploymentTask",
          name: metadata.name,
          ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }),
          ...(uid === undefined ? {} : { uid }),
        },
        details: {
          type: spec.type,
          environment: spec.environment ?? null,
          commit: spec.binding?.artifact?.commit ?? null,
          completedBy: item.completedBy,
          completedAt: item.completedAt,
          items: [{ name: item.name, state: item.state, ...(evidence === undefined ? {} : { evidence }) }],
        },
        ...(uid === undefined
          ? {}
          : {
              transition: transitionId(
                "DeploymentTask",
                uid,
                "TaskItemCompleted",
                item.name,
                transitionDigest([item.state, item.completedBy, item.completedAt, evidence ?? null]),
              ),
            }),
      },
    ];
  });
}
