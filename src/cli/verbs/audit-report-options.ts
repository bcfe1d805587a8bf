import { resolve } from "node:path";
import { z } from "zod";
import type { AuditDatabaseConnection } from "../../audit/postgres/connection.js";
import { DEFAULT_CHROMIUM } from "../../audit/reports/pdf.js";
import { UsageError } from "../errors.js";
import { validateFlags, type FlagSpec, type GlobalOptions } from "../flags.js";
import { CHECKPOINT_FLAGS, CheckpointFlags } from "./audit-checkpoint-flags.js";
import { DATABASE_FLAGS, databaseConnectionFrom } from "./audit-database-flags.js";

/** The flags every `stagegate audit report` verb takes: the trails, their checkpoints, and the output. */
export const REPORT_FLAGS = {
  ...DATABASE_FLAGS,
  ...CHECKPOINT_FLAGS,
  writer: {
    type: "string",
    value: "NAMES",
    help: "with --public-key: the replica (pod) that wrote each FILE, comma-separated in FILE order",
  },
  template: {
    type: "string",
    value: "FILE",
    help: "a Handlebars template of your own (copy the defaults with `stagegate audit report templates --write DIR`)",
  },
  format: { type: "string", value: "FORMAT", help: "html (default) or pdf" },
  output: { type: "string", short: "o", value: "FILE", help: "the file to write the report to (required)" },
  chromium: {
    type: "string",
    value: "PATH",
    help: `the headless browser that prints PDF (default ${DEFAULT_CHROMIUM}, Debian's chromium)`,
  },
} as const satisfies Record<string, FlagSpec>;

const ReportFlags = CheckpointFlags.omit({ writer: true }).extend({
  writers: z.array(z.string().min(1).max(253, "--writer must name pods, separated by commas")).optional(),
  template: z.string().min(1, "--template must name a file").optional(),
  format: z.enum(["html", "pdf"], { error: "--format must be html or pdf" }).default("html"),
  out: z.string({ error: "--output (-o) must name the file to write, e.g. -o report.pdf" }).min(1),
  chromium: z.string().min(1, "--chromium must name the browser's executable").default(DEFAULT_CHROMIUM),
});

/** The options every report verb shares, validated. */
export type ReportOptions = Omit<GlobalOptions, "output"> &
  z.infer<typeof ReportFlags> & {
    files: string[];
    database: AuditDatabaseConnection | undefined;
  };

const list = (value: string | boolean | undefined): string[] | undefined =>
  typeof value === "string" ? value.split(",").map((v) => v.trim()) : undefined;

/**
 * Validates the shared report flags: at least one trail, checkpoint flags only with --public-key, one writer per
 * file, and an output file that is not one of the trails (a report never writes over the record).
 */
export function parseReportOptions(
  global: GlobalOptions,
  values: Readonly<Record<string, string | boolean | undefined>>,
  files: readonly string[],
): ReportOptions {
  const database = databaseConnectionFrom(values);
  if (files.length === 0 && database === undefined) {
    throw new UsageError("name the trails to report on: audit files, --database-url, or both.", true);
  }
  const flags = validateFlags(ReportFlags, {
    publicKeys: list(values["public-key"]),
    checkpointNamespace: values["checkpoint-namespace"],
    writers: list(values.writer),
    template: values.template,
    format: values.format,
    out: values.output,
    chromium: values.chromium,
  });
  if (
    flags.publicKeys === undefined &&
    (values.writer !== undefined || values["checkpoint-namespace"] !== undefined)
  ) {
    throw new UsageError(
      "--writer and --checkpoint-namespace need --public-key (the keys checkpoints are checked with).",
    );
  }
  if (flags.writers !== undefined && flags.writers.length !== files.length) {
    throw new UsageError(
      `--writer names ${flags.writers.length} writers for ${files.length} files: give one pod name per FILE, in order.`,
    );
  }
  if (values.chromium !== undefined && flags.format !== "pdf") {
    throw new UsageError("--chromium is only used with --format pdf.");
  }
  const out = resolve(flags.out);
  if (files.some((file) => resolve(file) === out)) {
    throw new UsageError(
      `--output ${flags.out} is one of the trails read: a report never writes over the record.`,
    );
  }
  const { output: _text, ...rest } = global;
  return { ...rest, ...flags, files: [...files], database };
}
