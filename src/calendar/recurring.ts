import { Cron } from "croner";
import { parseDuration } from "../runtime/duration.js";
import type { CalendarRange } from "./event.js";

/** How many occurrences one recurring series contributes to one calendar at most (a "* * * * *" window). */
export const MAX_OCCURRENCES_PER_SERIES = 500;

/** A recurring series: a cron schedule in a time zone, each occurrence lasting `duration`. */
export interface RecurringSeries {
  schedule: string;
  duration: string;
  timeZone: string;
}

/** The occurrences of a series in a range, and whether the cap cut it short. */
export interface Expansion {
  occurrences: { start: Date; end: Date }[];
  truncated: boolean;
}

/**
 * Expands a recurring series into the occurrences that overlap [since, until), in its own time zone (so a
 * daylight-saving change moves the UTC instant, not the local hour), at most `cap` of them. Throws on a schedule,
 * time zone or duration that does not parse (admission refuses those; the caller names the object).
 */
export function expandSeries(
  series: RecurringSeries,
  range: CalendarRange,
  cap = MAX_OCCURRENCES_PER_SERIES,
): Expansion {
  const length = parseDuration(series.duration);
  const cron = new Cron(series.schedule, { timezone: series.timeZone, paused: true });
  // An occurrence that started up to `length` before `since` still overlaps it; nextRuns looks strictly after.
  const from = new Date(range.since.getTime() - length);
  const occurrences: { start: Date; end: Date }[] = [];
  // One start at a time, so a series costs what the range holds, not what the cap allows.
  let start = cron.nextRun(from);
  while (start !== null && start.getTime() < range.until.getTime() && occurrences.length <= cap) {
    const end = new Date(start.getTime() + length);
    if (end.getTime() > range.since.getTime()) occurrences.push({ start, end });
    start = cron.nextRun(start);
  }
  const truncated = occurrences.length > cap;
  return { occurrences: occurrences.slice(0, cap), truncated };
}
