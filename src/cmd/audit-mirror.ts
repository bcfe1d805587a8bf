import type { AuditEntry } from "../audit/entry.js";
import { resources } from "../controllers/resources.js";
import type { EventRecorder } from "../runtime/events.js";
import type { ResourceType } from "../runtime/kube/resource.js";

const byKind = new Map<string, ResourceType>(Object.values(resources).map((rt) => [rt.kind, rt]));

/** One readable sentence for an audit entry's Event note. */
function describe(entry: AuditEntry): string {
  const details = entry.details;
  const message =
    typeof details.message === "string" ? details.message : JSON.stringify(details).slice(0, 600);
  return `Audit entry ${entry.seq} (${entry.hash.slice(0, 12)}) by ${entry.actor}: ${message}`;
}

/**
 * Mirrors audit entries as Kubernetes Events about the object they concern (reason = the action), so
 * `kubectl describe` shows the trail next to the object. Denials are Warnings; everything else is Normal.
 */
export function auditEventMirror(events: EventRecorder): (entry: AuditEntry) => Promise<void> {
  return async (entry) => {
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
