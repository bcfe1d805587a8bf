import type { AuditEntry } from "../audit/entry.js";
import type { AuditAction } from "../audit/recorder.js";
import { resources } from "../controllers/resources.js";
import type { EventRecorder } from "../runtime/events.js";
import type { ResourceType } from "../runtime/kube/resource.js";

const byKind = new Map<string, ResourceType>(Object.values(resources).map((rt) => [rt.kind, rt]));

/**
 * Audit actions not mirrored as Events (ADR 0033: one fact, one Event; Events only for what a person acts on). The
 * Release controller announces a promotion's facts itself, from its status transitions, in words a person reads
 * (`Promoted`, `Deployed`, `Verified`, the Warnings `DeploymentFailed` and `UnapprovedDeployment`), and the rollback
 * controller announces a Rollback task the alert receiver opened with its first step on it (`ManualRollbackRequested`,
 * `RollbackHeld`, `RollbackStarted`..., ADR 0054), so their entries would say each fact twice; a target's lock and its release, and the archiving of a closed record (ADR 0029), are
 * machinery nobody acts on (a lock taken over from another holder is still mirrored). A change's closing follows
 * from what was already announced (its rejection or expiry in the same pass, or its use, announced as the Release's
 * `Promoted`), so `ChangeClosed` says nothing a person acts on either (ADR 0038). `GateWaitChanged` is a measure's
 * record (ADR 0053): the Release's status already says what its gate waits on, and an Event per change would be an
 * API write the promotion's budget has no room for. The trail keeps every
 * one of them, and the Release status records each promotion (revision, promotion number, times), which the trail's
 * writer cannot rewrite: the entries stay comparable with something outside the trail (docs/audit.md).
 */
export const NOT_MIRRORED: ReadonlySet<AuditAction> = new Set<AuditAction>([
  "ReleasePromoted",
  "EnvironmentDeployed",
  "EnvironmentVerified",
  "EnvironmentFailed",
  "UnapprovedDeployment",
  "TargetLocked",
  "TargetUnlocked",
  "RecordArchived",
  "RollbackTaskOpened",
  "ChangeClosed",
  "GateWaitChanged",
]);

/** One readable sentence for an audit entry's Event note. */
function describe(entry: AuditEntry): string {
  const details = entry.details;
  const message =
    typeof details.message === "string" ? details.message : JSON.stringify(details).slice(0, 600);
  return `Audit entry ${entry.seq} (${entry.hash.slice(0, 12)}) by ${entry.actor}: ${message}`;
}

/** Whether an entry is mirrored: all but {@link NOT_MIRRORED}, and any lock taken over from another holder. */
function mirrored(entry: AuditEntry): boolean {
  // A lock taken over (a forgery or a leftover) is news someone may have to act on.
  if (entry.action === "TargetLocked") return entry.details.lockTakenFrom !== undefined;
  return !NOT_MIRRORED.has(entry.action);
}

/**
 * Mirrors audit entries as Kubernetes Events about the object they concern (reason = the action), so
 * `kubectl describe` shows the trail next to the object, except the facts a controller announces itself and the
 * machinery in {@link NOT_MIRRORED}. Denials are Warnings; everything else is Normal.
 */
export function auditEventMirror(events: EventRecorder): (entry: AuditEntry) => Promise<void> {
  return async (entry) => {
    if (!mirrored(entry)) return;
    const rt = byKind.get(entry.object.kind);
    if (rt === undefined) return;
    await events.record(
      rt,
      { metadata: { name: entry.object.name, namespace: entry.object.namespace, uid: entry.object.uid } },
      {
        type: entry.action === "AdmissionDenied" ? "Warning" : "Normal",
        reason: entry.action,
        message: describe(entry),
      },
    );
  };
}
