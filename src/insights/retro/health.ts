import type { StoredAuditEntry } from "../../audit/entry.js";
import { detail, isRecord, objectKey } from "../../audit/reports/details.js";
import { verificationResult } from "../../audit/reports/evidence.js";

/** Something that failed, and why, as the entries recorded it. */
export interface RetroFailure {
  time: string;
  environment: string;
  what: string;
  why: string;
}

/** A health measurement taken during verification: baselines, a passed check's range, or the failing value. */
export interface HealthMeasurement {
  time: string;
  environment: string;
  task: string;
  kind: "baseline" | "passed" | "failed";
  text: string;
}

/** An alert that fired for the release, and when it resolved (if recorded). */
export interface RetroAlert {
  alert: string;
  environment: string;
  firedAt: string;
  recordedAt: string;
  task: string;
  labels: string;
  resolvedAt: string | undefined;
}

function numberText(value: unknown): string {
  return typeof value === "number" ? String(value) : JSON.stringify(value ?? null);
}

/** `error-rate = 0.01; latency-p99 = 0.2` from a VerificationMeasured entry's `baselines`. */
function baselinesText(entry: StoredAuditEntry): string {
  const baselines = detail.record(entry, "baselines") ?? {};
  const list = Object.entries(baselines).map(([check, value]) => `${check} = ${numberText(value)}`);
  return `baselines at ${detail.text(entry, "baselineAt") ?? "?"}: ${list.join("; ") || "none recorded"}`;
}

/** What failed: EnvironmentFailed reasons, failed verifications with the value measured, held or refused rollbacks. */
export function failuresOf(entries: readonly StoredAuditEntry[]): RetroFailure[] {
  return entries.flatMap((e): RetroFailure[] => {
    const environment = detail.text(e, "environment") ?? "";
    switch (e.action) {
      case "EnvironmentFailed":
        return [
          {
            time: e.time,
            environment,
            what: `${environment} failed at revision ${detail.text(e, "revision") ?? "?"}`,
            why: detail.texts(e, "reasons").join(" ") || "no reason recorded",
          },
        ];
      case "VerificationFailed": {
        const value = e.details.value;
        return [
          {
            time: e.time,
            environment,
            what: `verification failed on check ${detail.text(e, "check") ?? "?"} at ${detail.text(e, "measuredAt") ?? "?"}`,
            why:
              `${detail.text(e, "message") ?? "no message"}` +
              (value === undefined ? "" : ` (measured ${numberText(value)})`),
          },
        ];
      }
      case "RollbackHeld":
      case "RollbackTaskRefused":
        return [
          {
            time: e.time,
            environment,
            what: `rollback ${e.action === "RollbackHeld" ? "held" : "refused"} (${e.object.name})`,
            why: detail.text(e, "reason") ?? detail.text(e, "message") ?? "no reason recorded",
          },
        ];
      case "RollbackCompleted":
        return detail.text(e, "result") === "Failed"
          ? [
              {
                time: e.time,
                environment,
                what: `rollback failed (${e.object.name})`,
                why: detail.text(e, "message") ?? "no message",
              },
            ]
          : [];
      default:
        return [];
    }
  });
}

/** The health metrics measured during verification, in time order. */
export function measurementsOf(entries: readonly StoredAuditEntry[]): HealthMeasurement[] {
  return entries.flatMap((e): HealthMeasurement[] => {
    const base = { time: e.time, environment: detail.text(e, "environment") ?? "", task: e.object.name };
    if (e.action === "VerificationMeasured") return [{ ...base, kind: "baseline", text: baselinesText(e) }];
    if (e.action === "VerificationPassed") {
      return [{ ...base, kind: "passed", text: verificationResult(e).summary }];
    }
    if (e.action === "VerificationFailed") {
      const value = e.details.value;
      return [
        {
          ...base,
          kind: "failed",
          text:
            `${detail.text(e, "check") ?? "?"} at ${detail.text(e, "measuredAt") ?? "?"}` +
            `${value === undefined ? "" : `: measured ${numberText(value)}`}; ${detail.text(e, "message") ?? ""}`.trim(),
        },
      ];
    }
    return [];
  });
}

/** The alerts that opened rollback work for the release, each with its resolution when recorded. */
export function alertsOf(entries: readonly StoredAuditEntry[]): RetroAlert[] {
  const resolved = new Map<string, string>();
  for (const e of entries) {
    if (e.action === "AlertResolved") resolved.set(objectKey(e), detail.text(e, "resolvedAt") ?? e.time);
  }
  return entries
    .filter((e) => e.action === "RollbackTaskOpened")
    .map((e) => {
      const labels = detail.record(e, "labels");
      return {
        alert: detail.text(e, "alertname") ?? "(unnamed)",
        environment: detail.text(e, "environment") ?? "",
        firedAt: detail.text(e, "startsAt") ?? e.time,
        recordedAt: e.time,
        task: e.object.name,
        labels: isRecord(labels)
          ? Object.entries(labels)
              .filter((l): l is [string, string] => typeof l[1] === "string")
              .map(([k, v]) => `${k}=${v}`)
              .join(", ")
          : "",
        resolvedAt: resolved.get(objectKey(e)),
      };
    });
}
