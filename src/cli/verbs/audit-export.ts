import { z } from "zod";
import type { AuditDatabaseConnection } from "../../audit/postgres/connection.js";
import { keeps, type ExportFilter } from "../../audit/export/filter.js";
import { csvHeader, csvLine, jsonLine } from "../../audit/export/format.js";
import { mergeByTime } from "../../audit/export/merge.js";
import { databaseSource, fileSource, type ExportSource } from "../../audit/export/sources.js";
import { formatVerification } from "../../audit/verification.js";
import { UsageError } from "../errors.js";
import { formatFlags, parseVerbArgs, validateFlags, type GlobalOptions, timeFlag } from "../flags.js";
import { EXIT, type Verb } from "../verb.js";
import { DATABASE_FLAGS, databaseConnectionFrom } from "./audit-database-flags.js";

const FLAGS = {
  ...DATABASE_FLAGS,
  since: { type: "string", value: "TIME", help: "entries at or after this RFC 3339 time" },
  until: { type: "string", value: "TIME", help: "entries before this RFC 3339 time" },
  environment: { type: "string", value: "NAME", help: "entries whose details name this environment" },
  action: {
    type: "string",
    value: "ACTIONS",
    help: "comma-separated actions, e.g. ReleasePromoted,ChangeApproved",
  },
  format: { type: "string", value: "FORMAT", help: "jsonl (default) or csv" },
} as const;

const Instant = (flag: string) => timeFlag(flag).optional();

const ExportFlags = z
  .object({
    since: Instant("since"),
    until: Instant("until"),
    environment: z.string().min(1).max(253).optional(),
    actions: z
      .array(z.string().regex(/^[A-Z][A-Za-z]+$/, "--action must list actions such as ReleasePromoted"))
      .optional(),
    format: z.enum(["jsonl", "csv"], { error: "--format must be jsonl or csv" }).default("jsonl"),
  })
  .refine((f) => f.since === undefined || f.until === undefined || f.since < f.until, {
    message: "--since must be before --until",
  });

/** Options of `stagegate audit export`: the trails to read and what to keep. */
export type AuditExportOptions = GlobalOptions & {
  files: string[];
  database: AuditDatabaseConnection | undefined;
  filter: ExportFilter;
  format: "jsonl" | "csv";
};

/**
 * `stagegate audit export [FILE...] [--database-url URL]`: every entry of the given trails (replicas' files, the
 * PostgreSQL store, or both) in one stream ordered by time, filtered, as JSON lines or CSV, each entry marked with its
 * source and whether its trail's chain vouches for it; each trail's verification goes to stderr. Exit 0 when every
 * trail verified, 1 when any did not (the export is still written), 2 when a trail cannot be read.
 */
export const auditExportVerb: Verb<AuditExportOptions> = {
  name: "audit export",
  summary: "Export audit entries of files and the database, merged by time, filtered, as JSON lines or CSV",
  usage: [
    "Usage: stagegate audit export [FILE ...] [--database-url URL [--password-file FILE]] [--since TIME] [--until TIME]",
    "                              [-n NAMESPACE] [--environment NAME] [--action ACTIONS] [--format jsonl|csv]",
    "",
    "Reads every given trail (each replica's file, the PostgreSQL store, or both), verifies each one's hash chain,",
    "and writes their entries to stdout as one stream ordered by time: the CI/CD events (PipelineEventReceived),",
    "requests, decisions, promotions, detections and rollbacks alike. Each entry carries its `source` and",
    "`verified` (false from the first entry its chain no longer vouches for). Each trail's verification goes to",
    "stderr. Exit 0 when every trail verified, 1 when any did not (the export is still complete), 2 when a trail",
    "cannot be read. Needs no cluster; -n filters by the namespace of the object an entry is about.",
    "",
    formatFlags(FLAGS),
    "",
    "Examples:",
    "  stagegate audit export /var/lib/stagegate/audit-0.jsonl /var/lib/stagegate/audit-1.jsonl \\",
    "    --since 2026-10-01T00:00:00Z --until 2027-01-01T00:00:00Z --environment prod --format csv > q4.csv",
    "  stagegate audit export --database-url postgresql://auditor@db:5432/stagegate -n payments",
  ].join("\n"),

  parse(argv, env) {
    const { global, values, positionals } = parseVerbArgs("audit export", argv, env, FLAGS);
    const database = databaseConnectionFrom(values);
    if (positionals.length === 0 && database === undefined) {
      throw new UsageError("name the trails to export: audit files, --database-url, or both.", true);
    }
    const action = values.action;
    const flags = validateFlags(ExportFlags, {
      since: values.since,
      until: values.until,
      environment: values.environment,
      actions: typeof action === "string" ? action.split(",").map((a) => a.trim()) : undefined,
      format: values.format,
    });
    return {
      ...global,
      files: [...positionals],
      database,
      format: flags.format,
      filter: {
        since: flags.since,
        until: flags.until,
        namespace: global.namespace,
        environment: flags.environment,
        actions: flags.actions === undefined ? undefined : new Set(flags.actions),
      },
    };
  },

  async run(options, io) {
    const sources: ExportSource[] = [];
    try {
      try {
        for (const file of options.files) sources.push(await fileSource(file));
        if (options.database !== undefined) sources.push(await databaseSource(options.database));
      } catch (err) {
        io.stderr(`stagegate audit export: cannot read a trail: ${(err as Error).message}\n`);
        return EXIT.usage;
      }
      if (options.format === "csv") io.stdout(csvHeader());
      let written = 0;
      for await (const item of mergeByTime(sources.map((s) => s.entries()))) {
        if (!keeps(options.filter, item.entry)) continue;
        io.stdout(options.format === "csv" ? csvLine(item) : jsonLine(item));
        written += 1;
      }
      for (const source of sources) io.stderr(`${formatVerification(source.verification, source.name)}\n`);
      io.stderr(
        `Exported ${written} ${written === 1 ? "entry" : "entries"} from ${sources.length} trails.\n`,
      );
      return sources.every((s) => s.verification.ok) ? EXIT.ok : EXIT.failed;
    } finally {
      for (const source of sources) await source.close();
    }
  },
};
