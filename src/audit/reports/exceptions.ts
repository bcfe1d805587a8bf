import type { StoredAuditEntry } from "../entry.js";
import type { ChangeView } from "./change-view.js";
import { detail, releaseOf, textOf } from "./details.js";

/** The kinds of exception a report lists: what an auditor must look at. */
export type ExceptionKind =
  "Emergency change" | "Expired approval" | "Unapproved deployment" | "Separation of duties violated";

/** One exception: when, what kind, about what, where, and the recorded words. */
export interface ExceptionRow {
  time: string;
  kind: ExceptionKind;
  subject: string;
  environment: string;
  message: string;
}

/** Whether an exception at `time` in `environment` belongs in the report. */
export type ExceptionScope = (time: string, environment: string | undefined) => boolean;

/** Unapproved deployments: each environment the entry names (an entry may name several targets). */
function unapproved(entry: StoredAuditEntry, keep: ExceptionScope): ExceptionRow[] {
  const deployments = detail.records(entry, "deployments");
  const environments = [...new Set(deployments.map((d) => textOf(d, "environment") ?? ""))];
  const kept = environments.filter((env) => keep(entry.time, env === "" ? undefined : env));
  if (kept.length === 0 && !(environments.length === 0 && keep(entry.time, undefined))) return [];
  return [
    {
      time: entry.time,
      kind: "Unapproved deployment",
      subject: `Release ${releaseOf(entry) ?? `${entry.object.namespace ?? ""}/${entry.object.name}`}`,
      environment: kept.join(", "),
      message: detail.text(entry, "message") ?? "",
    },
  ];
}

/**
 * The exceptions among the entries and change stories, in time order: emergency changes (with their review),
 * approvals that expired, deployments nobody approved, and approvals that broke separation of duties. Pure.
 */
export function exceptionsOf(
  entries: readonly StoredAuditEntry[],
  changes: readonly ChangeView[],
  keep: ExceptionScope,
): ExceptionRow[] {
  const rows: ExceptionRow[] = [];
  const byKey = new Map(changes.map((c) => [`${c.namespace}/${c.name}`, c]));
  for (const entry of entries) {
    if (entry.action === "UnapprovedDeployment") rows.push(...unapproved(entry, keep));
    if (entry.action === "ChangeExpired") {
      const change = byKey.get(`${entry.object.namespace ?? ""}/${entry.object.name}`);
      const environment = change?.environment ?? detail.text(entry, "environment");
      if (!keep(entry.time, environment)) continue;
      rows.push({
        time: entry.time,
        kind: "Expired approval",
        subject: `ChangeRequest ${entry.object.namespace ?? ""}/${entry.object.name}`,
        environment: environment ?? "",
        message:
          detail.text(entry, "message") ?? `expired (${detail.text(entry, "rule") ?? "no rule recorded"})`,
      });
    }
  }
  for (const change of changes) {
    const subject = `ChangeRequest ${change.namespace}/${change.name}`;
    const environment = change.environment ?? "";
    if (change.emergency) {
      const time = change.requestedAt ?? change.breakGlass?.time ?? change.resolvedAt ?? "";
      if (keep(time, change.environment)) {
        const why =
          change.breakGlass === undefined
            ? "emergency change"
            : `break-glass rollback ${change.breakGlass.rollbackTask} through the freeze ${change.breakGlass.freezes.join(", ")}`;
        const resolution =
          change.resolution === undefined
            ? "unresolved"
            : `${change.resolution.toLowerCase()} by ${change.resolvedBy ?? "?"}`;
        rows.push({
          time,
          kind: "Emergency change",
          subject,
          environment,
          message: `${why}; ${resolution}; ${change.reviewStatus}`,
        });
      }
    }
    if (change.separationViolated && keep(change.resolvedAt ?? "", change.environment)) {
      rows.push({
        time: change.resolvedAt ?? "",
        kind: "Separation of duties violated",
        subject,
        environment,
        message: change.separationOfDuties.message,
      });
    }
  }
  return rows.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}
