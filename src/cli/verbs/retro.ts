import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { z } from "zod";
import type { AuditDatabaseConnection } from "../../audit/postgres/connection.js";
import { chainProof } from "../../audit/reports/chain-proof.js";
import { DEFAULT_TEMPLATES_DIR, loadTemplate } from "../../audit/reports/templates.js";
import { retroMarkdown } from "../../insights/retro/markdown.js";
import { buildRetro, retroKeeps } from "../../insights/retro/model.js";
import { CommandError, UsageError } from "../errors.js";
import { formatFlags, parseVerbArgs, validateFlags, type FlagSpec, type GlobalOptions } from "../flags.js";
import { EXIT, type Verb } from "../verb.js";
import { DATABASE_FLAGS, databaseConnectionFrom } from "./audit-database-flags.js";
import {
  parseCheckpointChoice,
  PATTERN_FLAGS,
  parsePatternFlags,
  TRAIL_CHECKPOINT_FLAGS,
  type CheckpointChoice,
  type PatternFlags,
} from "./insights-failures-options.js";
import { readInsightRecord } from "./insights-failures-record.js";

const FLAGS = {
  ...DATABASE_FLAGS,
  ...TRAIL_CHECKPOINT_FLAGS,
  ...PATTERN_FLAGS,
  format: { type: "string", value: "FORMAT", help: "markdown (default) or html" },
  output: { type: "string", short: "o", value: "FILE", help: "the file to write (default: stdout)" },
} as const satisfies Record<string, FlagSpec>;

/** The default template of the HTML retrospective. */
export const RETRO_TEMPLATE = `${DEFAULT_TEMPLATES_DIR}retro.html.hbs`;

const RetroFlags = z.object({
  release: z
    .string()
    .max(253, "RELEASE must be a Release name of at most 253 characters")
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "RELEASE must be a Release name such as shop-1-4-0"),
  format: z.enum(["markdown", "html"], { error: "--format must be markdown or html" }).default("markdown"),
  out: z.string().min(1, "-o/--output must name a file").optional(),
});

/** Options of `stagegate retro`. */
export type RetroVerbOptions = Omit<GlobalOptions, "output"> &
  PatternFlags & {
    release: { namespace: string; name: string };
    files: string[];
    database: AuditDatabaseConnection | undefined;
    format: "markdown" | "html";
    out: string | undefined;
    checkpoints: CheckpointChoice | undefined;
  };

/**
 * `stagegate retro RELEASE -n NAMESPACE [FILE...] [--database-url URL]`: the release's retrospective from the
 * verified audit trail (its timeline, where it waited, what failed and why, the health measured, alerts, the
 * rollback, and questions for the team), as Markdown or HTML. Reads only; durable (a restart or a deleted release
 * does not change it).
 */
export const retroVerb: Verb<RetroVerbOptions> = {
  name: "retro",
  summary: "Write a release's retrospective (Markdown or HTML) from the verified audit trails",
  usage: [
    "Usage: stagegate retro RELEASE -n NAMESPACE [FILE ...] [--database-url URL [--password-file FILE]]",
    "                       [--public-key FILES [--checkpoint-namespace NAME] [--writer NAMES]]",
    "                       [--format markdown|html] [-o FILE] [--usual-hours HH-HH] [--time-zone ZONE]",
    "                       [--late-within DURATION]",
    "",
    "Reads the given trails as `stagegate audit export` does (each verified first) and tells one release's story",
    "from its entries: the timeline, where each environment waited (checks, approvals, deploying, verifying), what",
    "failed and why with the health measured during verification, the alerts and the rollback, and questions for",
    "the team drawn from the patterns `stagegate insights failures` counts. A trail that does not verify is named at",
    "the top; entries its chain does not vouch for are marked and used for nothing else. With --public-key, each",
    "trail is also checked against its signed checkpoints (a trail rewritten as a whole or cut short shows).",
    "Exit 0 over an intact record, 1 when written but a trail did not verify, 2 on bad input or an unknown release.",
    "",
    formatFlags(FLAGS),
    "",
    "Examples:",
    "  stagegate retro shop-1-4-0 -n payments /var/lib/stagegate/audit-0.jsonl > shop-1-4-0-retro.md",
    "  stagegate retro shop-1-4-0 -n payments --database-url postgresql://auditor@db/stagegate --format html -o retro.html",
  ].join("\n"),

  parse(argv, env) {
    const { global, values, positionals } = parseVerbArgs("retro", argv, env, FLAGS);
    const [name, ...files] = positionals;
    if (name === undefined) throw new UsageError("missing RELEASE (the Release to look back on).", true);
    if (global.namespace === undefined) {
      throw new UsageError(
        "name the Release's namespace with -n NAMESPACE (retro reads no kubeconfig context).",
      );
    }
    const database = databaseConnectionFrom(values);
    if (files.length === 0 && database === undefined) {
      throw new UsageError("name the trails to read: audit files, --database-url, or both.", true);
    }
    const flags = validateFlags(RetroFlags, { release: name, format: values.format, out: values.output });
    if (flags.out !== undefined) {
      const out = resolve(flags.out);
      if (files.some((file) => resolve(file) === out)) {
        throw new UsageError(
          `--output ${flags.out} is one of the trails read: retro never writes over the record.`,
        );
      }
    }
    const { output: _text, ...rest } = global;
    return {
      ...rest,
      ...parsePatternFlags(values),
      release: { namespace: global.namespace, name: flags.release },
      files: [...files],
      database,
      format: flags.format,
      out: flags.out,
      checkpoints: parseCheckpointChoice(values, files),
    };
  },

  async run(options, io) {
    const template = options.format === "html" ? await loadTemplate(RETRO_TEMPLATE) : undefined;
    const record = await readInsightRecord("retro", options, retroKeeps(options.release.namespace), io);
    if (record === undefined) return EXIT.usage;
    const model = buildRetro(record.items, options.release, chainProof(record.trails, 0), io.now(), options);
    const { namespace, name } = options.release;
    if (!model.found) {
      throw new UsageError(
        `RELEASE ${name} in namespace ${namespace} has no entry in the trails read; check the name and -n, ` +
          "and that the trails are this deployment's (stagegate audit export -n NAMESPACE lists what they hold).",
      );
    }
    const text = template === undefined ? retroMarkdown(model) : template.render(model);
    if (options.out === undefined) io.stdout(text);
    else {
      try {
        await writeFile(options.out, text);
      } catch (err) {
        throw new CommandError(`cannot write --output ${options.out}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      io.stderr(`Wrote the retrospective of ${namespace}/${name} to ${options.out} (${options.format}).\n`);
    }
    for (const trail of model.chain.trails) {
      io.stderr(`${trail.chain}\n`);
      for (const line of trail.checkpoints ?? []) io.stderr(`${line}\n`);
    }
    if (!model.chain.intact) io.stderr(`${model.chain.headline}\n`);
    return model.chain.intact ? EXIT.ok : EXIT.failed;
  },
};
