import type { Dimensions } from "../../api/v1alpha1/dimensions.js";
import type { StoredAuditEntry } from "../../audit/entry.js";
import { detail, releaseOf } from "../../audit/reports/details.js";
import { recordedDimensions } from "../recorded-dimensions.js";

/** What went wrong after a promotion, as the trail recorded it. */
export interface FailureEvent {
  action: "EnvironmentFailed" | "VerificationFailed" | "RollbackTaskOpened" | "RollbackStarted";
  time: string;
  /** The recorded reason, message or failing check, as a sentence. */
  summary: string;
}

/**
 * One promotion of a release into an environment (a `ReleasePromoted` entry) and what followed it before the next
 * promotion of the same release there: the unit the failure patterns count.
 */
export interface Promotion {
  /** `namespace/name` of the release. */
  release: string;
  environment: string;
  revision: string;
  time: string;
  changeRequest: string | undefined;
  /** As recorded on the entry (ADR 0042); undefined on entries written before dimensions were recorded. */
  dimensions: Dimensions | undefined;
  /** EnvironmentFailed or VerificationFailed followed. */
  failed: boolean;
  /** A Rollback task was opened or a rollback started. */
  rolledBack: boolean;
  failures: FailureEvent[];
}

/** The actions that count as a failed deployment or a rollback of the promotion they follow. */
const FAILURE_ACTIONS: ReadonlySet<string> = new Set([
  "EnvironmentFailed",
  "VerificationFailed",
  "RollbackTaskOpened",
  "RollbackStarted",
]);

/** The release an entry is about: its object for a Release, else the release its details name. */
function releaseKeyOf(entry: StoredAuditEntry): string | undefined {
  if (entry.object.kind === "Release") return `${entry.object.namespace ?? ""}/${entry.object.name}`;
  return releaseOf(entry);
}

function failureSummary(entry: StoredAuditEntry): string {
  switch (entry.action) {
    case "EnvironmentFailed":
      return detail.texts(entry, "reasons").join(" ") || "no reason recorded";
    case "VerificationFailed":
      return `check ${detail.text(entry, "check") ?? "?"}: ${detail.text(entry, "message") ?? "no message"}`;
    case "RollbackTaskOpened": {
      const alert = detail.text(entry, "alertname");
      return `Rollback task ${entry.object.name} opened${alert === undefined ? "" : ` after alert ${alert}`}`;
    }
    default:
      return `rolling back from ${detail.text(entry, "from") ?? "?"} to ${detail.text(entry, "to") ?? "?"}`;
  }
}

/**
 * Every promotion the entries record, in time order, each with the failures that followed it (same release and
 * environment, at or after its time and before the release's next promotion there). The caller passes only entries
 * the chain vouches for: a forged failure or promotion must not count. Pure.
 */
export function collectPromotions(entries: readonly StoredAuditEntry[]): Promotion[] {
  const promotions: Promotion[] = [];
  const open = new Map<string, Promotion>();
  for (const entry of entries) {
    const environment = detail.text(entry, "environment");
    if (environment === undefined) continue;
    if (entry.action === "ReleasePromoted" && entry.object.kind === "Release") {
      const release = `${entry.object.namespace ?? ""}/${entry.object.name}`;
      const promotion: Promotion = {
        release,
        environment,
        revision: detail.text(entry, "revision") ?? "",
        time: entry.time,
        changeRequest: detail.text(entry, "changeRequest"),
        dimensions: recordedDimensions(entry.details),
        failed: false,
        rolledBack: false,
        failures: [],
      };
      promotions.push(promotion);
      open.set(`${release}\u0000${environment}`, promotion);
      continue;
    }
    if (!FAILURE_ACTIONS.has(entry.action)) continue;
    const release = releaseKeyOf(entry);
    const promotion = release === undefined ? undefined : open.get(`${release}\u0000${environment}`);
    if (promotion === undefined) continue;
    const action = entry.action as FailureEvent["action"];
    if (action === "EnvironmentFailed" || action === "VerificationFailed") promotion.failed = true;
    else promotion.rolledBack = true;
    promotion.failures.push({ action, time: entry.time, summary: failureSummary(entry) });
  }
  return promotions;
}

/** Whether a promotion counts as failing: a failed deployment or a rollback followed it. */
export function promotionFailed(promotion: Promotion): boolean {
  return promotion.failed || promotion.rolledBack;
}
