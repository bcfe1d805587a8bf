import { z } from "zod";
import type { AuditDatabaseConnection } from "../../audit/postgres/connection.js";
import { InsightInputError } from "../../insights/patterns/errors.js";
import { parseSelector, SelectorError, type DimensionSelector } from "../../insights/selector.js";
import { checkTimeZone, parseUsualHours, type UsualHours } from "../../insights/patterns/usual-hours.js";
import { InvalidDurationError, parseDuration } from "../../runtime/duration.js";
import { UsageError } from "../errors.js";
import { validateFlags, type FlagSpec, type GlobalOptions } from "../flags.js";
import { CHECKPOINT_FLAGS, CheckpointFlags } from "./audit-checkpoint-flags.js";
import { DATABASE_FLAGS, databaseConnectionFrom } from "./audit-database-flags.js";

/** The flags that say how patterns are judged; `stagegate retro` takes them too. */
export const PATTERN_FLAGS = {
  "usual-hours": {
    type: "string",
    value: "HH-HH",
    help: "usual deployment hours, e.g. 08-18 (default: the trail's own busiest hours)",
  },
  "time-zone": { type: "string", value: "ZONE", help: "the time zone of the usual hours (default UTC)" },
  "late-within": {
    type: "string",
    value: "DURATION",
    help: "an approval or check this close before the gate opened is late (default 15m)",
  },
} as const satisfies Record<string, FlagSpec>;

/** The flags that check the trails against their signed checkpoints, as `stagegate audit report` takes them. */
export const TRAIL_CHECKPOINT_FLAGS = {
  "public-key": CHECKPOINT_FLAGS["public-key"],
  "checkpoint-namespace": CHECKPOINT_FLAGS["checkpoint-namespace"],
  writer: {
    type: "string",
    value: "NAMES",
    help: "with --public-key: the replica (pod) that wrote each FILE, comma-separated in FILE order",
  },
} as const satisfies Record<string, FlagSpec>;

/** The flags of `stagegate insights failures`. */
export const FAILURES_FLAGS = {
  ...DATABASE_FLAGS,
  ...TRAIL_CHECKPOINT_FLAGS,
  since: { type: "string", value: "TIME", help: "promotions at or after this RFC 3339 time (required)" },
  until: { type: "string", value: "TIME", help: "promotions before this RFC 3339 time (required)" },
  selector: {
    type: "string",
    short: "l",
    value: "SELECTOR",
    help: "recorded dimensions, e.g. team=payments,region!=eu-west,tag=pci (keys: team, service, region, tenant, customerImpact, tag)",
  },
  ...PATTERN_FLAGS,
  "large-change": {
    type: "string",
    value: "COMMITS",
    help: "a change set of this many commits or more is large (default: more than the window's 80th percentile)",
  },
  output: { type: "string", short: "o", value: "FORMAT", help: "table (default), json or csv" },
} as const satisfies Record<string, FlagSpec>;

const Instant = (flag: string) =>
  z.iso
    .datetime({
      offset: true,
      error: `--${flag} is required: an RFC 3339 time such as 2026-10-01T00:00:00Z`,
    })
    .transform((t) => new Date(t));

const FailuresFlags = z
  .object({
    since: Instant("since"),
    until: Instant("until"),
    largeChangeCommits: z
      .string()
      .regex(/^[1-9][0-9]{0,5}$/, "--large-change must be a whole number of commits, at least 1, such as 20")
      .transform(Number)
      .optional(),
    output: z
      .enum(["table", "json", "csv"], { error: "-o/--output must be table, json or csv" })
      .default("table"),
  })
  .refine((f) => f.since < f.until, { message: "--since must be before --until" });

/** The options of `stagegate insights failures`, validated. */
export type InsightsFailuresOptions = Omit<GlobalOptions, "output"> & {
  files: string[];
  database: AuditDatabaseConnection | undefined;
  since: Date;
  until: Date;
  selector: DimensionSelector;
  usualHours: UsualHours | undefined;
  timeZone: string;
  lateWithinMs: number;
  /** A change set of this many commits or more is large; undefined: from the window's recorded sizes. */
  largeChangeCommits: number | undefined;
  output: "table" | "json" | "csv";
  checkpoints: CheckpointChoice | undefined;
};

/** Runs a parse step, turning an InsightInputError (which names the flag and the fix) into a usage error. */
function asUsage<T>(step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof InsightInputError) throw new UsageError(err.message);
    if (err instanceof SelectorError) throw new UsageError(`-l: ${err.message}`);
    throw err;
  }
}

/** How patterns are judged, from the flags: usual hours (or none: from the trail), their time zone, "late". */
export interface PatternFlags {
  usualHours: UsualHours | undefined;
  timeZone: string;
  lateWithinMs: number;
}

/** Validates --usual-hours, --time-zone and --late-within, each error naming its flag and the fix. */
export function parsePatternFlags(
  values: Readonly<Record<string, string | boolean | undefined>>,
): PatternFlags {
  const text = (key: string): string | undefined => {
    const value = values[key];
    return typeof value === "string" ? value : undefined;
  };
  const timeZone = asUsage(() => checkTimeZone(text("time-zone") ?? "UTC"));
  const hours = text("usual-hours");
  const usualHours = hours === undefined ? undefined : asUsage(() => parseUsualHours(hours, timeZone));
  let lateWithinMs: number;
  try {
    lateWithinMs = parseDuration(text("late-within") ?? "15m");
  } catch (err) {
    if (err instanceof InvalidDurationError) throw new UsageError(`--late-within ${err.message}.`);
    throw err;
  }
  return { usualHours, timeZone, lateWithinMs };
}

/** Which signed checkpoints to check the trails against; undefined without --public-key. */
export interface CheckpointChoice {
  publicKeys: string[];
  checkpointNamespace: string;
  writers: string[];
}

const list = (value: string | boolean | undefined): string[] | undefined =>
  typeof value === "string" ? value.split(",").map((v) => v.trim()) : undefined;

/**
 * Validates --public-key, --checkpoint-namespace and --writer as `stagegate audit report` does: the last two only
 * with --public-key, one writer per FILE.
 */
export function parseCheckpointChoice(
  values: Readonly<Record<string, string | boolean | undefined>>,
  files: readonly string[],
): CheckpointChoice | undefined {
  const flags = validateFlags(CheckpointFlags.omit({ writer: true }), {
    publicKeys: list(values["public-key"]),
    checkpointNamespace: values["checkpoint-namespace"],
  });
  const writers = list(values.writer);
  if (flags.publicKeys === undefined) {
    if (writers !== undefined || values["checkpoint-namespace"] !== undefined) {
      throw new UsageError(
        "--writer and --checkpoint-namespace need --public-key (the keys checkpoints are checked with).",
      );
    }
    return undefined;
  }
  if (writers !== undefined && writers.length !== files.length) {
    throw new UsageError(
      `--writer names ${writers.length} writers for ${files.length} files: give one pod name per FILE, in order.`,
    );
  }
  return {
    publicKeys: flags.publicKeys,
    checkpointNamespace: flags.checkpointNamespace,
    writers: writers ?? [],
  };
}

/** Validates the flags: at least one trail, the window, the selector, the usual hours and the late threshold. */
export function parseFailuresOptions(
  global: GlobalOptions,
  values: Readonly<Record<string, string | boolean | undefined>>,
  files: readonly string[],
): InsightsFailuresOptions {
  const database = databaseConnectionFrom(values);
  if (files.length === 0 && database === undefined) {
    throw new UsageError("name the trails to read: audit files, --database-url, or both.", true);
  }
  const flags = validateFlags(FailuresFlags, {
    since: values.since,
    until: values.until,
    largeChangeCommits: values["large-change"],
    output: values.output,
  });
  const selector = asUsage(() => parseSelector(typeof values.selector === "string" ? values.selector : ""));
  const patterns = parsePatternFlags(values);
  const { output: _text, ...rest } = global;
  return {
    ...rest,
    files: [...files],
    database,
    ...flags,
    largeChangeCommits: flags.largeChangeCommits,
    selector,
    ...patterns,
    checkpoints: parseCheckpointChoice(values, files),
  };
}
