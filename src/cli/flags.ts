import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { UsageError } from "./errors.js";
import type { CliEnv } from "./verb.js";

/** One flag of a verb: its type, optional one-letter alias, and the help line `--help` prints. */
export interface FlagSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  readonly value?: string;
  readonly help: string;
}

/** The flags every cluster verb accepts, parsed the same way everywhere. */
export const GLOBAL_FLAGS = {
  kubeconfig: {
    type: "string",
    value: "FILE",
    help: "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)",
  },
  namespace: {
    type: "string",
    short: "n",
    value: "NAME",
    help: "namespace (default: the kubeconfig context's namespace, else default)",
  },
  output: { type: "string", short: "o", value: "FORMAT", help: "text or json (default text)" },
} as const satisfies Record<string, FlagSpec>;

const NamespaceName = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The global options after validation: which kubeconfig, which namespace (if given) and the output format. */
export const GlobalOptions = z.object({
  kubeconfig: z.string().min(1, "--kubeconfig must name a file, e.g. --kubeconfig ~/.kube/config"),
  namespace: z
    .string()
    .max(63, "--namespace must be at most 63 characters")
    .regex(
      NamespaceName,
      "--namespace must be a namespace name such as team-a (lowercase letters, digits, '-')",
    )
    .optional(),
  output: z.enum(["text", "json"], { error: "--output must be text or json" }).default("text"),
});
export type GlobalOptions = z.infer<typeof GlobalOptions>;

/** The kubeconfig kubectl would read: $KUBECONFIG (every file in it, merged by the client), else ~/.kube/config. */
export function defaultKubeconfig(env: CliEnv): string {
  const files = (env.KUBECONFIG ?? "").split(delimiter).filter((entry) => entry !== "");
  return files.length > 0 ? files.join(delimiter) : join(env.HOME ?? homedir(), ".kube", "config");
}

/** What {@link parseVerbArgs} returns: validated global options, the verb's raw flag values and positionals. */
export interface ParsedArgs {
  readonly global: GlobalOptions;
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

/** Rewrites node:util parseArgs errors into sentences that name the flag and the fix. */
function usageErrorFrom(err: Error, verb: string): UsageError {
  const flag = /'(-{1,2}[^' ]+)/.exec(err.message)?.[1] ?? "";
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    return new UsageError(`unknown flag ${flag} for "stagegate ${verb}".`, true);
  }
  if (err.message.includes("argument missing")) {
    return new UsageError(`${flag} needs a value, e.g. ${flag}=VALUE.`);
  }
  if (err.message.includes("does not take an argument")) {
    return new UsageError(`${flag} takes no value; write ${flag} on its own.`);
  }
  return new UsageError(err.message);
}

/**
 * Parses a verb's argv: global flags plus the verb's own, strictly (unknown flags are usage errors naming the
 * flag), and validates the global flags with zod, falling back to $KUBECONFIG and ~/.kube/config.
 */
export function parseVerbArgs(
  verb: string,
  argv: readonly string[],
  env: CliEnv,
  flags: Readonly<Record<string, FlagSpec>>,
): ParsedArgs {
  const specs: Record<string, FlagSpec> = { ...GLOBAL_FLAGS, ...flags };
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [
      name,
      spec.short === undefined ? { type: spec.type } : { type: spec.type, short: spec.short },
    ]),
  );
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (err) {
    throw usageErrorFrom(err as Error, verb);
  }
  const { kubeconfig, namespace, output, ...values } = parsed.values;
  // A verb that writes a file may take -o/--output as its own flag (the file); it then has no text/json output.
  const ownsOutput = "output" in flags;
  if (ownsOutput) values.output = output;
  const global = GlobalOptions.safeParse({
    kubeconfig: typeof kubeconfig === "string" ? kubeconfig : defaultKubeconfig(env),
    namespace,
    output: ownsOutput ? undefined : output,
  });
  if (!global.success) throw new UsageError(global.error.issues.map((i) => i.message).join("; "));
  return { global: global.data, values, positionals: parsed.positionals };
}

/**
 * Validates a verb's own values with its zod schema; every message already names its flag or argument, so
 * they are joined as they are.
 */
export function validateFlags<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw new UsageError(result.error.issues.map((i) => i.message).join("; "));
  return result.data;
}

/** Requires exactly the positional arguments a verb takes, naming the missing or extra one. */
export function expectPositionals(positionals: readonly string[], names: readonly string[]): string[] {
  if (positionals.length < names.length) {
    throw new UsageError(`missing ${names.slice(positionals.length).join(" ")}.`, true);
  }
  if (positionals.length > names.length) {
    throw new UsageError(`unexpected argument "${positionals[names.length]}".`, true);
  }
  return [...positionals];
}

/** The `Flags:` block of a verb's usage, its own flags first, then the global ones. */
export function formatFlags(flags: Readonly<Record<string, FlagSpec>>): string {
  const line = (name: string, spec: FlagSpec): string => {
    const short = spec.short === undefined ? "    " : `-${spec.short}, `;
    const left = `${short}--${name}${spec.value === undefined ? "" : ` ${spec.value}`}`;
    return `  ${left.padEnd(30)} ${spec.help}`;
  };
  const own = Object.entries(flags).map(([name, spec]) => line(name, spec));
  const global = Object.entries(GLOBAL_FLAGS)
    .filter(([name]) => !(name in flags))
    .map(([name, spec]) => line(name, spec));
  return [
    ...(own.length > 0 ? ["Flags:", ...own, ""] : []),
    "Global flags:",
    ...global,
    `  ${"-h, --help".padEnd(30)} this help`,
  ].join("\n");
}

/** A flag holding an RFC 3339 time, read as a Date; the message names the flag and shows the form. */
export function timeFlag(flag: string) {
  return z.iso
    .datetime({ offset: true, error: `--${flag} must be an RFC 3339 time such as 2026-10-01T00:00:00Z` })
    .transform((t) => new Date(t));
}
