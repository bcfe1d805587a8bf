import { MAX_MEASUREMENTS, MIN_INTERVAL_MS } from "./reasons.js";

/**
 * When a deployment is measured: the baseline instant, the measurement instants through the window, and the
 * last moment an unreachable Prometheus is retried. Every instant is a pure function of the deployment's own
 * timestamps, so it doubles as the key of the measurement recorded for it: a pass repeated after a crash
 * finds the instants already logged and never measures them twice.
 */
export interface VerificationSchedule {
  /** Where baselines are evaluated: when the deployment started (`deployStartedAt`), else `deployedAt`. */
  baselineAt: Date;
  deployedAt: Date;
  /** `deployedAt + k * interval` for k = 1, 2, ...; the last one is the end of the window. */
  instants: Date[];
  windowEnd: Date;
  /** The interval actually used (raised to MIN_INTERVAL_MS, or stretched to MAX_MEASUREMENTS). */
  intervalMs: number;
  /** One interval after the end of the window: a Prometheus still unreachable then fails the check. */
  retryDeadline: Date;
}

/**
 * The schedule of one deployment; pure. The first measurement is one interval after the deployment finished and
 * the last exactly at the end of the window (a window that is not a multiple of the interval ends with a shorter
 * step). Windows and intervals below a second are raised to one, and a window holding more than MAX_MEASUREMENTS
 * intervals is measured MAX_MEASUREMENTS times, evenly spread, so the task's log stays a readable size. Every
 * instant is after deployedAt, hence after baselineAt: the two kinds of entries never share a key.
 */
export function verificationSchedule(
  deployStartedAt: Date | undefined,
  deployedAt: Date,
  windowMs: number,
  intervalMs: number,
): VerificationSchedule {
  const window = Math.max(MIN_INTERVAL_MS, windowMs);
  const interval = Math.max(MIN_INTERVAL_MS, intervalMs, Math.ceil(window / MAX_MEASUREMENTS));
  const count = Math.max(1, Math.ceil(window / interval));
  const start = deployedAt.getTime();
  const instants = Array.from(
    { length: count },
    (_, i) => new Date(start + Math.min((i + 1) * interval, window)),
  );
  return {
    baselineAt: deployStartedAt ?? deployedAt,
    deployedAt,
    instants,
    windowEnd: new Date(start + window),
    intervalMs: interval,
    retryDeadline: new Date(start + window + interval),
  };
}

/** The instants due by `now` (at or before it). */
export function dueInstants(schedule: VerificationSchedule, now: Date): Date[] {
  return schedule.instants.filter((at) => at.getTime() <= now.getTime());
}

/**
 * When to look again after `now`: the next measurement instant, else the retry deadline while it is ahead;
 * undefined once both have passed.
 */
export function nextAttempt(schedule: VerificationSchedule, now: Date): Date | undefined {
  const next = schedule.instants.find((at) => at.getTime() > now.getTime());
  if (next !== undefined) return next;
  return schedule.retryDeadline.getTime() > now.getTime() ? schedule.retryDeadline : undefined;
}
