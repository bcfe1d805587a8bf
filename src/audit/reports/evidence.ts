import type { StoredAuditEntry } from "../entry.js";
import { detail, isRecord, textOf } from "./details.js";

/** One check's evidence: an item a person completed on a check task, or a pipeline event that updated it. */
export interface CheckEvidence {
  time: string;
  task: string;
  type: string;
  environment: string;
  commit: string;
  by: string;
  how: string;
  items: { name: string; state: string; evidence: string }[];
}

/** `key: value; ...` of an item's evidence strings. */
function evidenceText(value: unknown): string {
  if (!isRecord(value)) return "";
  return Object.entries(value)
    .filter((e): e is [string, string] => typeof e[1] === "string")
    .map(([k, v]) => `${k}: ${v}`)
    .join("; ");
}

/** The evidence row of a `TaskItemCompleted` or `PipelineEventReceived` entry. */
export function checkEvidence(entry: StoredAuditEntry): CheckEvidence {
  const pipeline = entry.action === "PipelineEventReceived";
  return {
    time: entry.time,
    task: entry.object.name,
    type: detail.text(entry, "type") ?? (pipeline ? (detail.text(entry, "eventType") ?? "") : ""),
    environment: detail.text(entry, "environment") ?? "",
    commit: detail.text(entry, "commit") ?? "",
    by: detail.text(entry, "completedBy") ?? entry.actor,
    how: pipeline
      ? `pipeline event ${detail.text(entry, "eventId") ?? ""} from ${detail.text(entry, "source") ?? "?"}: ${detail.text(entry, "outcome") ?? ""}`
      : "completed by a person",
    items: detail.records(entry, "items").map((item) => ({
      name: textOf(item, "name") ?? "",
      state: textOf(item, "state") ?? textOf(item, "change") ?? "",
      evidence: evidenceText(item.evidence),
    })),
  };
}

/** A post-deployment verification's result, as a report row. */
export interface VerificationResult {
  time: string;
  task: string;
  environment: string;
  revision: string;
  result: "Passed" | "Failed";
  passed: boolean;
  summary: string;
}

/** The row of a `VerificationPassed` or `VerificationFailed` entry. */
export function verificationResult(entry: StoredAuditEntry): VerificationResult {
  const passed = entry.action === "VerificationPassed";
  const summary = passed
    ? detail
        .records(entry, "checks")
        .map((c) => {
          const name = textOf(c, "name") ?? "?";
          const count = typeof c.measurements === "number" ? c.measurements : "?";
          const threshold = textOf(c, "threshold") ?? JSON.stringify(c.threshold ?? null);
          return `${name}: ${count} measurements, min ${String(c.min)}, max ${String(c.max)} (${threshold})`;
        })
        .join("; ")
    : `${detail.text(entry, "check") ?? "?"} at ${detail.text(entry, "measuredAt") ?? "?"}: ${detail.text(entry, "message") ?? ""}` +
      ` Rollback task ${detail.text(entry, "rollbackTask") ?? "(none)"} opened.`;
  return {
    time: entry.time,
    task: entry.object.name,
    environment: detail.text(entry, "environment") ?? "",
    revision: detail.text(entry, "revision") ?? "",
    result: passed ? "Passed" : "Failed",
    passed,
    summary,
  };
}
