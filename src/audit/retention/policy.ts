import { z } from "zod";
import { parseDuration } from "../../runtime/duration.js";

/** The record classes a retention policy names, as the platform team writes them. */
export const RETENTION_CLASSES = ["auditEntries", "releases", "changes", "tasks"] as const;
export type RetentionClass = (typeof RETENTION_CLASSES)[number];

/**
 * How long one class is kept: `forever` (the default), whole years (`7y`), days (`90d`), or a duration of hours
 * and smaller units (`2160h`). Years are calendar years, so `7y` from 2033-03-01 reaches back to 2026-03-01.
 */
export const RetentionPeriod = z
  .string()
  .refine((text) => text === "forever" || /^[1-9][0-9]{0,2}[yd]$/.test(text) || isDuration(text), {
    message: "must be forever, a number of years or days such as 7y or 90d, or a duration such as 2160h",
  });

/**
 * The platform team's retention policy: one period per class. Unset classes are kept forever: removing records
 * cannot be undone, so nothing expires until someone decided how long their regime requires (ADR 0030).
 */
export const RetentionPolicy = z.strictObject({
  auditEntries: RetentionPeriod.default("forever"),
  releases: RetentionPeriod.default("forever"),
  changes: RetentionPeriod.default("forever"),
  tasks: RetentionPeriod.default("forever"),
});
export type RetentionPolicy = z.infer<typeof RetentionPolicy>;

/** The instant before which records of a class have expired, or undefined when the class is kept forever. Pure. */
export function expiryCutoff(period: string, now: Date): Date | undefined {
  if (period === "forever") return undefined;
  const match = /^([0-9]+)([yd])$/.exec(period);
  if (match !== null) {
    const cutoff = new Date(now);
    const amount = Number(match[1]);
    if (match[2] === "y") cutoff.setUTCFullYear(cutoff.getUTCFullYear() - amount);
    else cutoff.setUTCDate(cutoff.getUTCDate() - amount);
    return cutoff;
  }
  return new Date(now.getTime() - parseDuration(period));
}

function isDuration(text: string): boolean {
  try {
    return parseDuration(text) > 0;
  } catch {
    return false;
  }
}
