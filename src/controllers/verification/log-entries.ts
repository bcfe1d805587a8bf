import type { z } from "zod";
import type { TaskLogEntry } from "../../api/v1alpha1/deployment-task.js";
import type { VerificationCheck } from "../../api/v1alpha1/verification.js";
import { formatTimestamp } from "../../runtime/duration.js";
import { VERIFICATION_ACTOR } from "./reasons.js";
import type { VerificationSchedule } from "./schedule.js";
import { baselineUsable, describeThreshold, formatValue, type ThresholdVerdict } from "./threshold.js";

/**
 * The task log as the verification's memory. Each measurement is one entry by VERIFICATION_ACTOR whose `time` is
 * the instant measured (the query is evaluated at that instant), so the log itself says which instants are done:
 * a Metric entry (`metric.name` = the check) for a number, a Comment starting with the check's name for a
 * measurement that could not be taken. Nothing else is kept anywhere, so a restart resumes exactly where the log
 * stops.
 */

/** One entry of a task's log. */
export type LogEntry = z.infer<typeof TaskLogEntry>;

/** Whether a measurement is the baseline (before the deployment) or one of the window's. */
export type MeasurementPurpose = "Baseline" | "Measurement";

/** What the log records for one check at one instant: a number, or why there is none (the entry's message). */
export type Recorded = { kind: "Value"; value: number } | { kind: "Problem"; message: string };

/** Everything the log records, by check: baselines, and measurements by instant (epoch ms). */
export interface RecordedLog {
  baselines: Map<string, Recorded>;
  measurements: Map<number, Map<string, Recorded>>;
}

/** The check an entry of the verification is about; undefined for anyone else's entries. */
function checkOf(entry: LogEntry, checks: readonly VerificationCheck[]): string | undefined {
  if (entry.author !== VERIFICATION_ACTOR) return undefined;
  if (entry.kind === "Metric") {
    const name = entry.metric?.name;
    return checks.some((c) => c.name === name) ? name : undefined;
  }
  return checks.find((c) => entry.message.startsWith(`${c.name} `))?.name;
}

/**
 * Reads what the log already records for these checks on this schedule; pure. Entries at other instants (an
 * earlier deployment's, a person's) are ignored; when an instant holds two entries for one check, the first
 * counts.
 */
export function readRecordedLog(
  log: readonly LogEntry[],
  checks: readonly VerificationCheck[],
  schedule: VerificationSchedule,
): RecordedLog {
  const baselineChecks = new Set(
    checks.filter((c) => c.threshold.relativeTo === "Baseline").map((c) => c.name),
  );
  const instants = new Set(schedule.instants.map((at) => at.getTime()));
  const recorded: RecordedLog = { baselines: new Map(), measurements: new Map() };
  for (const entry of log) {
    const check = checkOf(entry, checks);
    const at = Date.parse(entry.time);
    if (check === undefined || Number.isNaN(at)) continue;
    const value: Recorded =
      entry.kind === "Metric" && entry.metric !== undefined
        ? { kind: "Value", value: entry.metric.value }
        : { kind: "Problem", message: entry.message };
    if (at === schedule.baselineAt.getTime()) {
      if (baselineChecks.has(check) && !recorded.baselines.has(check)) recorded.baselines.set(check, value);
    } else if (instants.has(at)) {
      const byCheck = recorded.measurements.get(at) ?? new Map<string, Recorded>();
      if (!byCheck.has(check)) byCheck.set(check, value);
      recorded.measurements.set(at, byCheck);
    }
  }
  return recorded;
}

/** The recorded baseline values, by check (problems and missing baselines left out). */
export function baselineValues(recorded: RecordedLog): Map<string, number> {
  const values = new Map<string, number>();
  for (const [check, entry] of recorded.baselines) if (entry.kind === "Value") values.set(check, entry.value);
  return values;
}

const unitOf = (check: VerificationCheck): string => (check.unit === undefined ? "" : ` ${check.unit}`);

function metricEntry(check: VerificationCheck, at: Date, value: number, message: string): LogEntry {
  return {
    time: formatTimestamp(at),
    author: VERIFICATION_ACTOR,
    kind: "Metric",
    message,
    metric: { name: check.name, value, ...(check.unit === undefined ? {} : { unit: check.unit }) },
  };
}

/** "error-rate baseline = 0.01 ratio, when the deployment started", and why it cannot be used when it cannot. */
export function baselineEntry(check: VerificationCheck, at: Date, value: number): LogEntry {
  const usable = baselineUsable(value);
  const said = `${check.name} baseline = ${formatValue(value)}${unitOf(check)}, when the deployment started`;
  return metricEntry(check, at, value, usable.pass ? said : `${said}: ${usable.message}; not a pass`);
}

/** "error-rate = 0.012 ratio (max 0.05): pass", or ": fail, 0.31 is above max 0.2". */
export function measurementEntry(
  check: VerificationCheck,
  at: Date,
  value: number,
  verdict: ThresholdVerdict,
  baseline?: number,
): LogEntry {
  const head = `${check.name} = ${formatValue(value)}${unitOf(check)} (${describeThreshold(check.threshold, baseline)})`;
  return metricEntry(check, at, value, verdict.pass ? `${head}: pass` : `${head}: fail, ${verdict.message}`);
}

/** "error-rate at 2026-11-26T10:00:05Z returned no data (...): not a pass." */
export function problemEntry(
  check: VerificationCheck,
  at: Date,
  purpose: MeasurementPurpose,
  problem: string,
): LogEntry {
  const what = purpose === "Baseline" ? `${check.name} baseline` : check.name;
  return {
    time: formatTimestamp(at),
    author: VERIFICATION_ACTOR,
    kind: "Comment",
    message: `${what} at ${formatTimestamp(at)} ${problem}: not a pass.`,
  };
}
