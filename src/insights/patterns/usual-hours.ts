import { InsightInputError } from "./errors.js";

/**
 * Usual working hours: the hours of the day (0-23, in a time zone) when deployments are expected. Given as
 * `--usual-hours 08-18` (from 08:00 up to 18:00) or, by default, read from the trail's own distribution of
 * promotions (ADR 0041). Pure.
 */
export interface UsualHours {
  /** The hours of the day counted as usual, each 0-23. */
  hours: ReadonlySet<number>;
  timeZone: string;
  /** How the hours were chosen, as a sentence for the output. */
  source: string;
}

/** The share of the trail's promotions the derived usual hours cover. */
export const USUAL_SHARE = 0.8;

/** Checks a time zone name (IANA, e.g. Europe/Berlin, or UTC), throwing a InsightInputError naming it. */
export function checkTimeZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone });
  } catch {
    throw new InsightInputError(
      `--time-zone "${timeZone}" is not a time zone; write an IANA name such as UTC or Europe/Berlin.`,
    );
  }
  return timeZone;
}

/** One formatter per time zone: building one is costly (ICU data), and a year of promotions asks thousands of times. */
const HOUR_FORMATS = new Map<string, Intl.DateTimeFormat>();

/** The hour of the day (0-23) of an instant in a time zone. */
export function hourIn(time: string | Date, timeZone: string): number {
  const date = typeof time === "string" ? new Date(time) : time;
  let format = HOUR_FORMATS.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", hourCycle: "h23" });
    HOUR_FORMATS.set(timeZone, format);
  }
  return Number(format.format(date)) % 24;
}

/**
 * Parses `HH-HH` (start inclusive, end exclusive; `22-06` wraps past midnight) into usual hours in `timeZone`.
 * Throws a InsightInputError naming the flag and the fix.
 */
export function parseUsualHours(text: string, timeZone: string): UsualHours {
  const match = /^(\d{1,2})-(\d{1,2})$/.exec(text.trim());
  const start = Number(match?.[1]);
  const end = Number(match?.[2]);
  if (match === null || start > 23 || end > 24 || start === end % 24) {
    throw new InsightInputError(
      `--usual-hours "${text}" is not a range of hours; write START-END in 24-hour time, such as 08-18.`,
    );
  }
  const hours = new Set<number>();
  for (let h = start; h !== end % 24; h = (h + 1) % 24) hours.add(h);
  return { hours, timeZone: checkTimeZone(timeZone), source: `--usual-hours ${text} in ${timeZone}` };
}

/**
 * The usual hours the trail itself shows: the busiest hours of the day that together hold at least
 * {@link USUAL_SHARE} of the promotions (ties broken by the earlier hour). Undefined without promotions.
 */
export function usualHoursOf(times: readonly string[], timeZone: string): UsualHours | undefined {
  if (times.length === 0) return undefined;
  const counts = new Array<number>(24).fill(0);
  for (const time of times) {
    const hour = hourIn(time, timeZone);
    counts[hour] = (counts[hour] ?? 0) + 1;
  }
  const order = counts
    .map((count, hour) => ({ count, hour }))
    .filter((c) => c.count > 0)
    .sort((a, b) => b.count - a.count || a.hour - b.hour);
  const hours = new Set<number>();
  let covered = 0;
  for (const { count, hour } of order) {
    if (covered >= USUAL_SHARE * times.length) break;
    hours.add(hour);
    covered += count;
  }
  const list = [...hours].sort((a, b) => a - b).map((h) => String(h).padStart(2, "0"));
  return {
    hours,
    timeZone,
    source:
      `the trail's own busiest hours (${list.join(", ")} in ${timeZone}), holding ` +
      `${covered} of ${times.length} promotions`,
  };
}
