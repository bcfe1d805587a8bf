import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";

/**
 * The directory of the default report templates (`templates/reports` of the repository, `/app/templates/reports`
 * in the image): three levels above this module both in `src/` and in the compiled `dist/`.
 */
export const DEFAULT_TEMPLATES_DIR = fileURLToPath(new URL("../../../templates/reports/", import.meta.url));

/** The default templates, by report kind. */
export const DEFAULT_TEMPLATES = { release: "release.html.hbs", period: "period.html.hbs" } as const;

/** A template that cannot be read, parsed or rendered; the message names the file and, where known, the line. */
export class TemplateError extends Error {
  override readonly name = "TemplateError";
}

/** A parsed template, ready to render a report model to HTML. */
export interface ReportTemplate {
  readonly file: string;
  render(model: object): string;
}

/** The helpers templates may call besides Handlebars' built-ins (if, unless, each, with, lookup). */
const HELPERS = {
  /** `{{join list ", "}}`: a list's items joined; the result is escaped like any other value. */
  join: (list: unknown, separator: unknown) =>
    Array.isArray(list) ? list.map(String).join(typeof separator === "string" ? separator : ", ") : "",
} as const;

interface Located {
  type: string;
  escaped?: boolean;
  loc?: { start: { line: number } };
  body?: Located[];
  program?: Located | null;
  inverse?: Located | null;
}

/** The first `{{{...}}}` or `{{& ...}}` in the template: record content must never reach the page unescaped. */
function findUnescaped(node: Located): Located | undefined {
  if (node.type === "MustacheStatement" && node.escaped === false) return node;
  for (const child of [...(node.body ?? []), node.program, node.inverse]) {
    if (child === undefined || child === null) continue;
    const found = findUnescaped(child);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The line a Handlebars error names: `- 12:4` at the end, `on line 12` in a parse error, or its lineNumber. */
function lineOf(err: Error & { lineNumber?: number }): number | undefined {
  if (typeof err.lineNumber === "number") return err.lineNumber;
  const match = / - (\d+):\d+$/.exec(err.message) ?? /on line (\d+)/.exec(err.message);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** The error's first line without the position Handlebars appends (the line is said separately). */
function cleanMessage(err: Error): string {
  return (err.message.split("\n")[0] ?? "").replace(/ - \d+:\d+$/, "").replace(/ on line \d+:?$/, "");
}

function templateError(file: string, err: Error, what: string): TemplateError {
  const line = lineOf(err);
  const where = line === undefined ? file : `${file}, line ${line}`;
  const extra = err.message.includes("\n") ? `: ${err.message.split("\n").slice(1).join(" ").trim()}` : "";
  return new TemplateError(`template ${where}: ${what}: ${cleanMessage(err)}${extra}`, { cause: err });
}

/** Replaces `undefined` with `null` everywhere, so strict templates tell an absent value from a misspelt name. */
function forTemplate(value: unknown): unknown {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(forTemplate);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, forTemplate(v)]));
  }
  return value;
}

/**
 * Reads and compiles a report template (Handlebars, strict: a name the model lacks is an error, not an empty
 * cell). Refuses a template that cannot be parsed, or that writes a value unescaped (`{{{ }}}`, `{{& }}`), naming
 * the file and line; rendering errors name them too.
 */
export async function loadTemplate(file: string): Promise<ReportTemplate> {
  let source: string;
  try {
    source = await readFile(file, "utf8");
  } catch (err) {
    throw new TemplateError(`template ${file} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  const handlebars = Handlebars.create();
  let ast: Located;
  try {
    ast = handlebars.parse(source);
  } catch (err) {
    throw templateError(file, err as Error, "it does not parse");
  }
  const unescaped = findUnescaped(ast);
  if (unescaped !== undefined) {
    throw new TemplateError(
      `template ${file}, line ${unescaped.loc?.start.line ?? "?"}: writes a value unescaped ({{{ }}} or {{& }}); ` +
        "the record holds user-written text, so use {{ }}, which escapes it.",
    );
  }
  for (const [name, helper] of Object.entries(HELPERS)) handlebars.registerHelper(name, helper);
  const options = {
    strict: true,
    knownHelpersOnly: true,
    knownHelpers: Object.fromEntries(Object.keys(HELPERS).map((name) => [name, true])),
  };
  let compiled: HandlebarsTemplateDelegate;
  try {
    // compile() defers its errors to the first render; precompile() reports them now.
    handlebars.precompile(source, options);
    compiled = handlebars.compile(source, options);
  } catch (err) {
    throw templateError(file, err as Error, "it does not compile");
  }
  return {
    file,
    render(model) {
      try {
        return compiled(forTemplate(model));
      } catch (err) {
        throw templateError(file, err as Error, "it does not render");
      }
    },
  };
}
