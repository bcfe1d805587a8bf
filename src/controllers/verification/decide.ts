import type { VerificationCheck } from "../../api/v1alpha1/verification.js";
import { describeProblem, isTransient, type QueryResult } from "../../monitoring/query-result.js";
import { formatTimestamp } from "../../runtime/duration.js";
import {
  baselineEntry,
  baselineValues,
  measurementEntry,
  problemEntry,
  readRecordedLog,
  type LogEntry,
  type MeasurementPurpose,
} from "./log-entries.js";
import { dueInstants, type VerificationSchedule } from "./schedule.js";
import { baselineUsable, describeThreshold, judgeValue } from "./threshold.js";

/** What the decision reads: the checks, the deployment's schedule and the task's log. */
export interface VerificationInput {
  checks: readonly VerificationCheck[];
  schedule: VerificationSchedule;
  log: readonly LogEntry[];
}

/** Checks to measure at one instant (the baseline's, or one of the window's). */
export interface MeasureStep {
  purpose: MeasurementPurpose;
  at: Date;
  checks: VerificationCheck[];
}

/** The first measurement that did not pass: which check, when, and the sentence that says why. */
export interface VerificationFailure {
  check: string;
  at: Date;
  purpose: MeasurementPurpose;
  /** A full sentence naming the check, the value or the problem, and the threshold. */
  message: string;
  value?: number;
}

/** What the measurements of one check through the window came to. */
export interface CheckSummary {
  check: string;
  unit?: string | undefined;
  count: number;
  min: number;
  max: number;
  baseline?: number | undefined;
  /** The threshold in words, with relative bounds worked out. */
  threshold: string;
}

/** What to do now: measure the instants that are due, wait for the next one, or conclude. */
export type VerificationDecision =
  | { kind: "Measure"; steps: MeasureStep[] }
  | { kind: "Wait"; until: Date }
  | { kind: "Pass"; summaries: CheckSummary[] }
  | { kind: "Fail"; failure: VerificationFailure };

/**
 * Decides the next step of a verification from its log alone; pure. A recorded failure (the earliest, baseline
 * first) concludes Fail, whatever else is missing. Otherwise any baseline not yet recorded, then every due
 * instant with a check not yet recorded, is measured, in time order; once every instant holds a passing
 * measurement of every check the verification concludes Pass; else it waits for the next instant.
 */
export function decideVerification(input: VerificationInput, now: Date): VerificationDecision {
  const { checks, schedule } = input;
  const recorded = readRecordedLog(input.log, checks, schedule);
  const baselines = baselineValues(recorded);
  const baselineChecks = checks.filter((c) => c.threshold.relativeTo === "Baseline");

  for (const check of baselineChecks) {
    const entry = recorded.baselines.get(check.name);
    if (entry === undefined) continue;
    const at = schedule.baselineAt;
    if (entry.kind === "Problem") return fail(check, at, "Baseline", entry.message);
    const usable = baselineUsable(entry.value);
    if (!usable.pass) {
      return fail(
        check,
        at,
        "Baseline",
        `The baseline of ${check.name} is unusable: ${usable.message}.`,
        entry.value,
      );
    }
  }
  for (const at of schedule.instants) {
    for (const check of checks) {
      const entry = recorded.measurements.get(at.getTime())?.get(check.name);
      if (entry === undefined) continue;
      if (entry.kind === "Problem") return fail(check, at, "Measurement", entry.message);
      const verdict = judgeValue(entry.value, check.threshold, baselines.get(check.name));
      if (!verdict.pass) {
        const sentence = `${check.name} measured at ${formatTimestamp(at)}: ${verdict.message}.`;
        return fail(check, at, "Measurement", sentence, entry.value);
      }
    }
  }

  const steps: MeasureStep[] = [];
  const missingBaselines = baselineChecks.filter((c) => !recorded.baselines.has(c.name));
  if (missingBaselines.length > 0) {
    steps.push({ purpose: "Baseline", at: schedule.baselineAt, checks: missingBaselines });
  }
  for (const at of dueInstants(schedule, now)) {
    const missing = checks.filter((c) => recorded.measurements.get(at.getTime())?.has(c.name) !== true);
    if (missing.length > 0) steps.push({ purpose: "Measurement", at, checks: missing });
  }
  if (steps.length > 0) return { kind: "Measure", steps };

  const pending = schedule.instants.find(
    (at) => recorded.measurements.get(at.getTime())?.size !== checks.length,
  );
  if (pending !== undefined) return { kind: "Wait", until: pending };
  return { kind: "Pass", summaries: checks.map((check) => summarise(check, recorded, baselines, schedule)) };
}

function fail(
  check: VerificationCheck,
  at: Date,
  purpose: MeasurementPurpose,
  message: string,
  value?: number,
): VerificationDecision {
  return {
    kind: "Fail",
    failure: { check: check.name, at, purpose, message, ...(value === undefined ? {} : { value }) },
  };
}

function summarise(
  check: VerificationCheck,
  recorded: ReturnType<typeof readRecordedLog>,
  baselines: ReadonlyMap<string, number>,
  schedule: VerificationSchedule,
): CheckSummary {
  const values = schedule.instants.flatMap((at) => {
    const entry = recorded.measurements.get(at.getTime())?.get(check.name);
    return entry?.kind === "Value" ? [entry.value] : [];
  });
  const baseline = baselines.get(check.name);
  return {
    check: check.name,
    unit: check.unit,
    count: values.length,
    min: Math.min(...values),
    max: Math.max(...values),
    baseline,
    threshold: describeThreshold(check.threshold, baseline),
  };
}

/** The log entries one measured step adds, and whether the verification must stop measuring for now. */
export interface StepRecord {
  entries: LogEntry[];
  /** Some check could not be measured for a passing reason (Prometheus unreachable): try again later. */
  retry: boolean;
  /** Some entry records a failure: there is no point measuring further instants. */
  failed: boolean;
  /** Baseline values this step measured, by check. */
  baselines: Map<string, number>;
}

/**
 * Turns what the queries of one step returned into log entries; pure. A number becomes a Metric entry judged
 * against its threshold (baselines from `baselines`). A transient problem (Prometheus unreachable, timing out
 * or unavailable) is retried at the next instant and records nothing while `now` is before the schedule's retry
 * deadline; after it, and for every other problem at once, it becomes a Comment saying the check did not pass.
 */
export function recordStep(
  step: MeasureStep,
  results: ReadonlyMap<string, QueryResult>,
  schedule: VerificationSchedule,
  baselines: ReadonlyMap<string, number>,
  now: Date,
): StepRecord {
  const record: StepRecord = { entries: [], retry: false, failed: false, baselines: new Map() };
  const canRetry = now.getTime() < schedule.retryDeadline.getTime();
  for (const check of step.checks) {
    const result: QueryResult = results.get(check.name) ?? {
      kind: "Unreachable",
      message: "the query was not run",
    };
    if (result.kind === "Value") {
      if (step.purpose === "Baseline") {
        record.entries.push(baselineEntry(check, step.at, result.value));
        record.baselines.set(check.name, result.value);
        if (!baselineUsable(result.value).pass) record.failed = true;
      } else {
        const baseline = baselines.get(check.name) ?? record.baselines.get(check.name);
        const verdict = judgeValue(result.value, check.threshold, baseline);
        record.entries.push(measurementEntry(check, step.at, result.value, verdict, baseline));
        if (!verdict.pass) record.failed = true;
      }
      continue;
    }
    if (isTransient(result) && canRetry) {
      record.retry = true;
      continue;
    }
    const problem = isTransient(result)
      ? `${describeProblem(result)}, and still could not at ${formatTimestamp(now)}, after retrying ` +
        `until one interval past the end of the window`
      : describeProblem(result);
    record.entries.push(problemEntry(check, step.at, step.purpose, problem));
    record.failed = true;
  }
  return record;
}
