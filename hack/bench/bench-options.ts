import { parseArgs, type ParseArgsConfig } from "node:util";
import { z } from "zod";

/** The knobs of one benchmark run, parsed once at the entry point. */
export interface BenchOptions {
  /** Distinct alerts delivered, and ConfigMaps created, per sequential series. */
  readonly count: number;
  /** Deliveries of one and the same alert in the duplicate burst. */
  readonly duplicates: number;
  /** In-flight requests of the concurrent series; 0 skips them. */
  readonly concurrency: number;
  /** Untimed operations of each kind before the timed ones (connections, JIT, caches). */
  readonly warmup: number;
  /** Keep the control plane's and the operator's state and logs. */
  readonly keepLogs: boolean;
  /**
   * Where to write a Go CPU profile of kube-apiserver over the concurrent alert series (`go tool pprof -top`);
   * "" takes none.
   */
  readonly apiserverProfile: string;
}

/** A flag holding a whole number from `min` to `max`, whose errors name the flag. Shared by the benchmarks. */
export const wholeNumberFlag = (name: string, min: number, max = 100_000) =>
  z.coerce
    .number({ error: `--${name} must be a whole number` })
    .int(`--${name} must be a whole number`)
    .min(min, `--${name} must be at least ${min}`)
    .max(max, `--${name} must be at most ${max}`);

const schema = z.object({
  count: wholeNumberFlag("count", 1),
  duplicates: wholeNumberFlag("duplicates", 1),
  concurrency: wholeNumberFlag("concurrency", 0),
  warmup: wholeNumberFlag("warmup", 0),
  keepLogs: z.boolean(),
  apiserverProfile: z.string(),
});

/**
 * Raised for a flag a benchmark does not understand or a value it cannot use; the message names the fix. Shared by
 * the benchmarks.
 */
export class BenchOptionsError extends Error {
  override readonly name = "BenchOptionsError";
}

/** A benchmark's flags as given (strict: an unknown flag is refused with `usage`). Shared by the benchmarks. */
export function readFlags(
  argv: readonly string[],
  options: NonNullable<ParseArgsConfig["options"]>,
  usage: string,
): Record<string, unknown> {
  try {
    return parseArgs({ args: [...argv], strict: true, options }).values;
  } catch (err) {
    throw new BenchOptionsError(`${(err as Error).message}\n${usage}`);
  }
}

/** `input` parsed by `schema`, or every problem refused at once with `usage`. Shared by the benchmarks. */
export function checkedFlags<S extends z.ZodType>(schema: S, input: unknown, usage: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new BenchOptionsError(`${parsed.error.issues.map((i) => i.message).join("; ")}\n${usage}`);
  }
  return parsed.data;
}

/** How to call the benchmark, printed with any flag error. */
export const USAGE =
  "Usage: tsx hack/bench/alert-receiver.ts [--count=300] [--duplicates=100] [--concurrency=10] " +
  "[--warmup=20] [--keep-logs] [--apiserver-profile=<file>]";

/** Parses the command line (without node and the script). */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const values = readFlags(
    argv,
    {
      count: { type: "string", default: "300" },
      duplicates: { type: "string", default: "100" },
      concurrency: { type: "string", default: "10" },
      warmup: { type: "string", default: "20" },
      "keep-logs": { type: "boolean", default: false },
      "apiserver-profile": { type: "string", default: "" },
    },
    USAGE,
  );
  return checkedFlags(
    schema,
    { ...values, keepLogs: values["keep-logs"], apiserverProfile: values["apiserver-profile"] },
    USAGE,
  );
}

/**
 * `--name=value` arguments as a record keyed by the camel-cased name (`--in-flight=10` -> `inFlight: "10"`), for a
 * benchmark that parses its values with its own schema. Throws on anything else, naming the argument.
 */
export function camelCasedFlags(argv: readonly string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  for (const arg of argv) {
    const match = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (match === null) throw new BenchOptionsError(`Unknown argument ${arg}: use --name=value.`);
    raw[(match[1] ?? "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = match[2] ?? "";
  }
  return raw;
}
