import type { VerificationCheck } from "../../api/v1alpha1/verification.js";
import { queryInstant } from "../../monitoring/prometheus-client.js";
import type { QueryResult } from "../../monitoring/query-result.js";
import { recordStep, type MeasureStep } from "./decide.js";
import { baselineValues, readRecordedLog, type LogEntry } from "./log-entries.js";
import type { VerificationSchedule } from "./schedule.js";

/** What one round of measuring produced: entries to append, whether to retry later, the baselines taken. */
export interface Measured {
  entries: LogEntry[];
  /** Prometheus could not be asked (and the retry deadline is ahead): look again at the next instant. */
  retry: boolean;
  /** Baselines measured in this round, by check, for the VerificationMeasured audit entry. */
  newBaselines: Map<string, number>;
}

/** Where and how to measure. */
export interface MeasureContext {
  prometheusURL: string;
  checks: readonly VerificationCheck[];
  schedule: VerificationSchedule;
  /** The task's log as read, for the baselines already recorded. */
  log: readonly LogEntry[];
  now: Date;
  signal: AbortSignal;
  queryTimeoutMs?: number | undefined;
}

/** Queries every check of one step at the step's instant, concurrently. */
async function measureStep(step: MeasureStep, ctx: MeasureContext): Promise<Map<string, QueryResult>> {
  const results = await Promise.all(
    step.checks.map(async (check) => {
      const result = await queryInstant(
        { prometheusURL: ctx.prometheusURL, query: check.query, at: step.at },
        {
          signal: ctx.signal,
          ...(ctx.queryTimeoutMs === undefined ? {} : { timeoutMs: ctx.queryTimeoutMs }),
        },
      );
      return [check.name, result] as const;
    }),
  );
  return new Map(results);
}

/**
 * Measures the decided steps against Prometheus in time order, each at its own instant, and turns the answers
 * into log entries (see recordStep). Stops at the first step with a failure (nothing later can change the
 * verdict) or with a check to retry (later instants wait for it, so the log never has gaps before its end).
 * Rejects only when `signal` aborts.
 */
export async function measureSteps(steps: readonly MeasureStep[], ctx: MeasureContext): Promise<Measured> {
  const baselines = baselineValues(readRecordedLog(ctx.log, ctx.checks, ctx.schedule));
  const measured: Measured = { entries: [], retry: false, newBaselines: new Map() };
  for (const step of steps) {
    const recorded = recordStep(step, await measureStep(step, ctx), ctx.schedule, baselines, ctx.now);
    measured.entries.push(...recorded.entries);
    for (const [check, value] of recorded.baselines) {
      baselines.set(check, value);
      measured.newBaselines.set(check, value);
    }
    if (recorded.failed) return measured;
    if (recorded.retry) return { ...measured, retry: true };
  }
  return measured;
}
