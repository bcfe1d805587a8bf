// Audit events as a report reads them, without a trail: each given a seq, a time one second after the last, and
// whether its chain vouches for it.
import type { ExportedEntry } from "../../../../src/audit/export/sources.js";
import type { AuditEvent } from "../../../../src/audit/recorder.js";
import { chainProof, type ChainProof } from "../../../../src/audit/reports/chain-proof.js";

export const START = Date.parse("2026-12-06T07:00:00.000Z");

/** The events as exported entries, one second apart from `start`, all vouched for unless `unvouchedFrom` says. */
export function exported(
  events: readonly AuditEvent[],
  options: { start?: number; source?: string; unvouchedFrom?: number } = {},
): ExportedEntry[] {
  const start = options.start ?? START;
  return events.map((event, i) => ({
    source: options.source ?? "audit-0.jsonl",
    verified: options.unvouchedFrom === undefined || i + 1 < options.unvouchedFrom,
    entry: {
      seq: i + 1,
      time: new Date(start + 1000 * i).toISOString(),
      actor: event.actor,
      action: event.action,
      object: event.object,
      details: event.details as ExportedEntry["entry"]["details"],
      prevHash: "0".repeat(64),
      hash: "0".repeat(64),
    },
  }));
}

/** The proof of one intact trail of `entries` entries, checkpoints not checked. */
export function intactProof(entries: number): ChainProof {
  return chainProof(
    [{ name: "audit-0.jsonl", unit: "line", verification: { ok: true, entries }, checkpoints: undefined }],
    0,
  );
}
