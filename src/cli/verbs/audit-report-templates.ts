import { constants, copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_TEMPLATES, DEFAULT_TEMPLATES_DIR } from "../../audit/reports/templates.js";
import { CommandError } from "../errors.js";
import { expectPositionals, formatFlags, parseVerbArgs, type GlobalOptions } from "../flags.js";
import { EXIT, type Verb } from "../verb.js";

const FLAGS = {
  write: { type: "string", value: "DIR", help: "copy the default templates into DIR (created if missing)" },
} as const;

/** Options of `stagegate audit report templates`: where to copy the defaults, if anywhere. */
export type AuditReportTemplatesOptions = GlobalOptions & { write: string | undefined };

/**
 * `stagegate audit report templates [--write DIR]`: lists the default report templates, or copies them into DIR
 * for the user to change; an existing file is never overwritten.
 */
export const auditReportTemplatesVerb: Verb<AuditReportTemplatesOptions> = {
  name: "audit report templates",
  summary: "List the default report templates, or copy them into a directory to change them",
  usage: [
    "Usage: stagegate audit report templates [--write DIR]",
    "",
    "Without --write, prints where the default templates are. With --write, copies them into DIR (created if",
    "missing; an existing file is left alone and named). Change the copies and pass one with --template to",
    "`stagegate audit report release` or `period`. Templates are Handlebars: {{ }} escapes, {{{ }}} is refused.",
    "",
    formatFlags(FLAGS),
    "",
    "Example:",
    "  stagegate audit report templates --write ./report-templates",
  ].join("\n"),

  parse(argv, env) {
    const { global, values, positionals } = parseVerbArgs("audit report templates", argv, env, FLAGS);
    expectPositionals(positionals, []);
    return { ...global, write: typeof values.write === "string" ? values.write : undefined };
  },

  async run(options, io) {
    const names = Object.values(DEFAULT_TEMPLATES);
    if (options.write === undefined) {
      for (const name of names) io.stdout(`${join(DEFAULT_TEMPLATES_DIR, name)}\n`);
      return EXIT.ok;
    }
    const dir = options.write;
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw new CommandError(`cannot create --write ${dir}: ${(err as Error).message}`, { cause: err });
    }
    let kept = 0;
    for (const name of names) {
      const to = join(dir, name);
      try {
        await copyFile(join(DEFAULT_TEMPLATES_DIR, name), to, constants.COPYFILE_EXCL);
        io.stdout(`${to}\n`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
          throw new CommandError(`cannot write ${to}: ${(err as Error).message}`, { cause: err });
        }
        io.stderr(`${to} exists: left as it is.\n`);
        kept += 1;
      }
    }
    return kept === 0 ? EXIT.ok : EXIT.failed;
  },
};
