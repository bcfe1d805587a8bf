import { z } from "zod";
import { parseSelector, SelectorError, type DimensionSelector } from "../../insights/selector.js";
import { parseDuration } from "../../runtime/duration.js";
import { UsageError } from "../errors.js";
import {
  expectPositionals,
  parseVerbArgs,
  validateFlags,
  type FlagSpec,
  type GlobalOptions,
} from "../flags.js";
import type { CliEnv } from "../verb.js";

/** The user name the chart's operator authenticates as (its ServiceAccount in stagegate-system). */
export const DEFAULT_OPERATOR_USERNAME = "system:serviceaccount:stagegate-system:stagegate-operator";

/** The flags of `stagegate calendar`. */
export const CALENDAR_FLAGS = {
  since: {
    type: "string",
    value: "TIME",
    help: "from this RFC 3339 time, or a duration from now such as 24h (default: now)",
  },
  until: {
    type: "string",
    value: "TIME",
    help: "until this RFC 3339 time, or a duration from now such as 720h (default: 336h, 14 days)",
  },
  environment: { type: "string", value: "NAME", help: "only events of this Environment" },
  selector: {
    type: "string",
    short: "l",
    value: "SELECTOR",
    help: "only changes and tasks with these dimension labels, e.g. team=payments",
  },
  "all-namespaces": { type: "boolean", short: "A", help: "changes and tasks of every namespace" },
  output: { type: "string", short: "o", value: "FORMAT", help: "table (default), json or ics" },
  file: {
    type: "string",
    value: "FILE",
    help: "with -o ics: write the calendar to FILE (CRLF lines, RFC 5545)",
  },
  operator: {
    type: "string",
    value: "USER",
    help:
      "the operator's user name: two changes it opened for promotions are not a conflict, as for its own " +
      `conditions (default ${DEFAULT_OPERATOR_USERNAME})`,
  },
} as const satisfies Record<string, FlagSpec>;

/** The longest range one calendar covers (a little over a year). */
export const MAX_RANGE_MS = 400 * 24 * 3_600_000;
const DEFAULT_UNTIL = "336h";

/** Options of `stagegate calendar`. */
export type CalendarOptions = GlobalOptions & {
  since: Date | undefined;
  until: Date | undefined;
  /** The durations given instead of times, resolved against the clock when the verb runs. */
  sinceAfter: number | undefined;
  untilAfter: number | undefined;
  environment: string | undefined;
  selector: DimensionSelector;
  allNamespaces: boolean;
  format: "table" | "json" | "ics";
  file: string | undefined;
  /** Who the operator is: ChangeRequests it requested for promotions do not conflict with each other. */
  operatorUsername: string;
};

/** A time or a duration from now; the message names the flag and both forms. */
function instantOrDuration(flag: string) {
  return z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      if (/^\d+(\.\d+)?(ms|s|m|h)/.test(text)) {
        try {
          return { after: parseDuration(text) };
        } catch {
          // fall through to the message below
        }
      } else if (z.iso.datetime({ offset: true }).safeParse(text).success) {
        return { at: new Date(text) };
      }
      ctx.addIssue({
        code: "custom",
        message: `--${flag} must be an RFC 3339 time such as 2026-12-24T00:00:00Z or a duration from now such as 72h`,
      });
      return z.NEVER;
    });
}

const Flags = z.object({
  since: instantOrDuration("since"),
  until: instantOrDuration("until"),
  environment: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "--environment must be an Environment name such as prod")
    .max(253, "--environment must be at most 253 characters")
    .optional(),
  output: z.enum(["table", "json", "ics"], { error: "--output must be table, json or ics" }).default("table"),
  file: z.string().min(1, "--file must name a file").optional(),
  operator: z
    .string()
    .min(1, "--operator must name the operator's user name, such as " + DEFAULT_OPERATOR_USERNAME)
    .max(512, "--operator must be at most 512 characters")
    .default(DEFAULT_OPERATOR_USERNAME),
});

/** The range a calendar covers at `now`: explicit times as given, durations from now, defaults now to +14 days. */
export function resolveRange(options: CalendarOptions, now: Date): { since: Date; until: Date } {
  const since = options.since ?? new Date(now.getTime() + (options.sinceAfter ?? 0));
  const until =
    options.until ?? new Date(now.getTime() + (options.untilAfter ?? parseDuration(DEFAULT_UNTIL)));
  if (!(since < until))
    throw new UsageError("--since must be before --until: move --until later or --since earlier.");
  if (until.getTime() - since.getTime() > MAX_RANGE_MS) {
    throw new UsageError("--since to --until may cover at most 400 days: narrow the range.");
  }
  return { since, until };
}

/** Parses `stagegate calendar` argv: every bad flag is a UsageError (exit 2) naming the flag and the fix. */
export function parseCalendarArgs(argv: readonly string[], env: CliEnv): CalendarOptions {
  const { global, values, positionals } = parseVerbArgs("calendar", argv, env, CALENDAR_FLAGS);
  expectPositionals(positionals, []);
  const flags = validateFlags(Flags, {
    since: values.since,
    until: values.until,
    environment: values.environment,
    output: values.output,
    file: values.file,
    operator: values.operator,
  });
  if (flags.file !== undefined && flags.output !== "ics") {
    throw new UsageError("--file writes an iCalendar file: add -o ics, or drop --file.");
  }
  const allNamespaces = values["all-namespaces"] === true;
  if (allNamespaces && global.namespace !== undefined) {
    throw new UsageError("--all-namespaces and --namespace cannot be used together: drop one of them.");
  }
  let selector: DimensionSelector;
  try {
    selector = parseSelector(typeof values.selector === "string" ? values.selector : undefined);
  } catch (err) {
    if (err instanceof SelectorError) throw new UsageError(`-l/--selector: ${err.message}`);
    throw err;
  }
  const options: CalendarOptions = {
    ...global,
    since: flags.since?.at,
    until: flags.until?.at,
    sinceAfter: flags.since?.after,
    untilAfter: flags.until?.after,
    environment: flags.environment,
    selector,
    allNamespaces,
    format: flags.output,
    file: flags.file,
    operatorUsername: flags.operator,
  };
  // Two explicit times can be judged now; a duration waits for the clock the verb runs with.
  if (options.since !== undefined && options.until !== undefined) resolveRange(options, options.since);
  return options;
}
