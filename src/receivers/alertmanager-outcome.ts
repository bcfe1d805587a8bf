/**
 * What became of one alert for one matched release and environment (or of an alert that matched none):
 * - `opened`: the firing alert created its Rollback task; `duplicate`: the task was already there (a retry, a
 *   repeat, another replica); `not-deployed`: the release is not the one deployed there now, so nothing opens;
 * - `resolved`: the resolution was recorded on the task; `already-resolved`: the task already had one;
 *   `no-task`: no task was opened for that alert, and a resolution never opens one;
 * - `unmatched`: no release declares the alert; `ambiguous`: it matches releases in several namespaces and names
 *   none (or names two), so it is acted on nowhere; `failed`: the Kubernetes API failed (the answer is 503);
 * - `conflict`: an object the alert did not open holds its task's name (the answer is 503, so the alert is
 *   delivered again once someone removes it);
 * - `out-of-scope`: the release is outside the sender token's scope: refused and recorded (the answer is 403).
 */
export type AlertOutcome =
  | "opened"
  | "duplicate"
  | "not-deployed"
  | "resolved"
  | "already-resolved"
  | "no-task"
  | "unmatched"
  | "ambiguous"
  | "failed"
  | "conflict"
  | "out-of-scope";

/** Every outcome, in the order the answer's summary lists them. */
export const ALERT_OUTCOMES: readonly AlertOutcome[] = [
  "opened",
  "duplicate",
  "not-deployed",
  "resolved",
  "already-resolved",
  "no-task",
  "unmatched",
  "ambiguous",
  "failed",
  "conflict",
  "out-of-scope",
];

/**
 * What creating a Rollback task did: created it, found it there (409 AlreadyExists) as this alert opened it,
 * found another object under its name, or failed.
 */
export type CreateResult = "created" | "exists" | "foreign" | "failed";
/** What recording a resolution did: set resolvedAt, found one already set, found no task, or failed. */
export type ResolveResult = "set" | "already" | "missing" | "failed";

/** The outcome of a firing alert for one match. A release not deployed there is never written to. */
export function firingOutcome(deployed: boolean, result: CreateResult | undefined): AlertOutcome {
  if (!deployed) return "not-deployed";
  switch (result) {
    case "created":
      return "opened";
    case "exists":
      return "duplicate";
    case "foreign":
      return "conflict";
    default:
      return "failed";
  }
}

/** The outcome of a resolved alert for one match. */
export function resolvedOutcome(result: ResolveResult): AlertOutcome {
  switch (result) {
    case "set":
      return "resolved";
    case "already":
      return "already-resolved";
    case "missing":
      return "no-task";
    case "failed":
      return "failed";
  }
}

/** Counts of each outcome over a notification, every outcome present (0 when it did not occur). */
export function summarize(outcomes: readonly AlertOutcome[]): Record<AlertOutcome, number> {
  const counts = Object.fromEntries(ALERT_OUTCOMES.map((o) => [o, 0])) as Record<AlertOutcome, number>;
  for (const outcome of outcomes) counts[outcome] += 1;
  return counts;
}

/**
 * The HTTP status of a notification: 200 when every alert was handled (opened, duplicate, ignored, resolved...),
 * 503 when any write failed or a task's name was held by another object, so Alertmanager retries the whole
 * notification; every step is idempotent, so the alerts already handled come back as duplicates. 403 when an
 * alert matched a release outside the token's scope (the alerts in scope were handled; retrying would not change
 * the refusal).
 */
export function notificationStatus(outcomes: readonly AlertOutcome[]): 200 | 403 | 503 {
  if (outcomes.includes("failed") || outcomes.includes("conflict")) return 503;
  return outcomes.includes("out-of-scope") ? 403 : 200;
}
