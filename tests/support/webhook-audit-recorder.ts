import type { AuditEvent, AuditRecorder } from "../../src/audit/recorder.js";

/**
 * An in-memory {@link AuditRecorder} for webhook tests: it keeps every recorded event in order, and can be told to
 * fail so tests can see the webhooks fail closed when the audit trail is down.
 */
export class MemoryAuditRecorder implements AuditRecorder {
  readonly events: AuditEvent[] = [];
  /** When set, `record` rejects with this error and records nothing. */
  failure: Error | undefined;

  record(event: AuditEvent): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    this.events.push(structuredClone(event));
    return Promise.resolve();
  }

  /** The events about one object (by namespace and name), in the order they were recorded. */
  about(namespace: string, name: string): AuditEvent[] {
    return this.events.filter((e) => e.object.namespace === namespace && e.object.name === name);
  }
}
