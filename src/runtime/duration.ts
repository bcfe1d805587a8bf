/**
 * Time as the API writes it: Go-style durations (`72h`, `1h30m`, `500ms`) in specs and RFC 3339 instants in
 * status. Everything here is pure; the clock is always passed in by the caller.
 */

/** Thrown when a string is not a duration the API accepts; the message names the text and the fix. */
export class InvalidDurationError extends Error {
  override readonly name = "InvalidDurationError";

  constructor(
    readonly text: string,
    problem = "is not a duration: write numbers followed by a unit (ms, s, m or h), for example 30m, 72h or 1h30m",
  ) {
    super(`"${text}" ${problem}`);
  }
}

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** The longest duration accepted: a million hours (about 114 years), far past any due period or window. */
const MAX_MS = 1_000_000 * UNIT_MS.h;
type Unit = keyof typeof UNIT_MS;

/** The same grammar as the API's `Duration` schema, so whatever the API server stored parses here. */
const WHOLE = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;

/**
 * Parses a Go-style duration into whole milliseconds (fractions round to the nearest millisecond). It accepts
 * exactly what the API's `Duration` schema accepts (units ms, s, m, h; no sign, no `0` without a unit) and
 * throws {@link InvalidDurationError} for anything else, including values too large to add to a date.
 */
export function parseDuration(text: string): number {
  if (!WHOLE.test(text)) throw new InvalidDurationError(text);
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) {
    total += Number(amount) * UNIT_MS[unit as Unit];
  }
  const ms = Math.round(total);
  if (!(ms <= MAX_MS)) {
    throw new InvalidDurationError(
      text,
      "is too long: write a duration of at most 1000000h (about 114 years)",
    );
  }
  return ms;
}

/**
 * Formats an instant as RFC 3339 in UTC, the way Kubernetes writes times: whole seconds as
 * `2025-06-30T17:00:00Z`, and milliseconds only when there are some (`2025-06-30T17:00:00.500Z`), so a due time
 * computed from a `500ms` SLA is not rounded away. The same instant always yields the same string.
 */
export function formatTimestamp(instant: Date): string {
  return instant.toISOString().replace(/\.000Z$/, "Z");
}

/** Parses an RFC 3339 timestamp from the API; `undefined` when it is not a valid time. */
export function parseTimestamp(text: string): Date | undefined {
  const instant = new Date(text);
  return Number.isNaN(instant.getTime()) ? undefined : instant;
}
