import { z } from "zod";
import { DIMENSION_NAMES, type DimensionName } from "../../api/v1alpha1/dimensions.js";
import type { InsightScope } from "../../insights/measures/period.js";
import type { TrailSelection } from "../../insights/read-trails.js";
import { parseSelector, SelectorError } from "../../insights/selector.js";
import { UsageError } from "../errors.js";
import { parseVerbArgs, validateFlags, type FlagSpec, type GlobalOptions, timeFlag } from "../flags.js";
import type { CliEnv } from "../verb.js";
import { DATABASE_FLAGS, databaseConnectionFrom } from "./audit-database-flags.js";

/** The flags every `stagegate insights` verb takes. */
export const INSIGHT_FLAGS = {
  ...DATABASE_FLAGS,
  since: { type: "string", value: "TIME", help: "promotions that ended at or after this RFC 3339 time" },
  until: { type: "string", value: "TIME", help: "promotions that ended before this RFC 3339 time" },
  selector: {
    type: "string",
    short: "l",
    value: "SELECTOR",
    help: "recorded dimensions to keep, e.g. stagegate.io/team=payments,tags.stagegate.io/pci",
  },
  by: { type: "string", value: "DIMENSION", help: `group by ${DIMENSION_NAMES.join(", ")}` },
  output: { type: "string", short: "o", value: "FORMAT", help: "table (default), json or csv" },
} as const satisfies Record<string, FlagSpec>;

const Instant = (flag: string) => timeFlag(flag).optional();

const InsightFlags = z
  .object({
    since: Instant("since"),
    until: Instant("until"),
    by: z
      .enum(DIMENSION_NAMES as [DimensionName, ...DimensionName[]], {
        error: `--by must be one of ${DIMENSION_NAMES.join(", ")}`,
      })
      .optional(),
    output: z
      .enum(["table", "json", "csv"], { error: "--output must be table, json or csv" })
      .default("table"),
  })
  .refine((f) => f.since === undefined || f.until === undefined || f.since < f.until, {
    message: "--since must be before --until",
  });

/** What an insights verb reads and computes over, and how it prints. */
export type InsightOptions = GlobalOptions & {
  trails: TrailSelection;
  scope: InsightScope;
  format: "table" | "json" | "csv";
  values: Readonly<Record<string, string | boolean | undefined>>;
};

/**
 * Parses an insights verb's argv; `extra` are the verb's own flags, returned in `values`. Trails are files given as
 * arguments and/or --database-url, unless `readsTrails` is false (the verb names its own source).
 */
export function parseInsightArgs(
  verb: string,
  argv: readonly string[],
  env: CliEnv,
  extra: Readonly<Record<string, FlagSpec>> = {},
  readsTrails = true,
): InsightOptions {
  const { global, values, positionals } = parseVerbArgs(verb, argv, env, { ...INSIGHT_FLAGS, ...extra });
  const database = readsTrails ? databaseConnectionFrom(values) : undefined;
  if (!readsTrails && positionals.length > 0) {
    throw new UsageError(
      `unexpected argument "${positionals[0] ?? ""}"; name the archive with --trail or --database-url.`,
    );
  }
  if (readsTrails && positionals.length === 0 && database === undefined) {
    throw new UsageError("name the audit trails to read: audit files, --database-url, or both.", true);
  }
  const flags = validateFlags(InsightFlags, {
    since: values.since,
    until: values.until,
    by: values.by,
    output: values.output,
  });
  let selector;
  try {
    selector = parseSelector(typeof values.selector === "string" ? values.selector : undefined);
  } catch (err) {
    if (err instanceof SelectorError) throw new UsageError(`-l/--selector: ${err.message}`);
    throw err;
  }
  return {
    ...global,
    trails: { files: [...positionals], database },
    scope: { since: flags.since, until: flags.until, selector, by: flags.by },
    format: flags.output,
    values,
  };
}
