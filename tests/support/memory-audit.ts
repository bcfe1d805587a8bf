import type { AuditEvent, AuditRecorder } from "../../src/audit/recorder.js";

/**
 * An in-memory {@link AuditRecorder} for tests: it keeps every entry in the order it was recorded, so a test can
 * assert on the trail (who did what, in which order) without a file, and it can be told to fail so tests see
 * the webhooks fail closed when the audit trail is down.
 */
export class MemoryAudit implements AuditRecorder {
  readonly entries: AuditEvent[] = [];
  /** When set, `record` rejects with this error and records nothing. */
  failure: Error | undefined;

  record(event: AuditEvent): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    // Like every store, one entry per transition (ADR 0031).
    const { transition } = event;
    if (transition !== undefined && this.entries.some((e) => e.transition === transition)) {
      return Promise.resolve();
    }
    this.entries.push(structuredClone(event));
    return Promise.resolve();
  }

  available(): Promise<void> {
    return this.failure === undefined ? Promise.resolve() : Promise.reject(this.failure);
  }

  /** The entries about one object (by namespace and name), in recorded order. */
  about(namespace: string, name: string): AuditEvent[] {
    return this.entries.filter((e) => e.object.namespace === namespace && e.object.name === name);
  }

  /** The entries about one ChangeRequest (on it, its Approvals or its review task), in recorded order. */
  aboutChange(namespace: string, changeRequest: string): AuditEvent[] {
    return this.entries.filter(
      (e) =>
        e.object.namespace === namespace &&
        (e.details.changeRequest === changeRequest ||
          (e.object.kind === "ChangeRequest" && e.object.name === changeRequest)),
    );
  }

  /**
   * `actor action` of each entry about one ChangeRequest, for asserting the order of a change's trail. Approvers'
   * `DecisionRecorded` entries are sorted among themselves by actor (decisions stored in one pass are recorded in
   * the stored object's key order), each staying between the entries it came between.
   */
  trail(namespace: string, changeRequest: string): string[] {
    const lines = this.aboutChange(namespace, changeRequest).map((e) => `${e.actor} ${e.action}`);
    const decision = (line: string): boolean => line.endsWith(" DecisionRecorded");
    for (let i = 0; i < lines.length;) {
      let j = i;
      while (j < lines.length && decision(lines[j] ?? "")) j++;
      if (j > i) lines.splice(i, j - i, ...lines.slice(i, j).sort());
      i = Math.max(j, i + 1);
    }
    return lines;
  }
}
