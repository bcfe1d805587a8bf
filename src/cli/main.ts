import { reportError } from "./errors.js";
import { VERBS, findVerb } from "./registry.js";
import { EXIT, type AnyVerb, type CliEnv, type CliIo, type ExitCode } from "./verb.js";

/** A command served outside the CLI framework (e.g. `run`), listed in the same help. */
export interface ExtraCommand {
  readonly name: string;
  readonly summary: string;
}

/** The top-level usage: every command with its one-line summary. */
export function formatUsage(extra: readonly ExtraCommand[] = [], verbs: readonly AnyVerb[] = VERBS): string {
  const commands = [
    ...extra,
    ...verbs,
    { name: "help", summary: "Print this help, or a command's (help VERB)" },
  ];
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    "Usage: stagegate <command> [flags]",
    "",
    "Commands:",
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    'Run "stagegate <command> --help" for a command\'s flags.',
  ].join("\n");
}

/** Whether argv asks for help before any `--` terminator. */
function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).some((arg) => arg === "--help" || arg === "-h");
}

/** Parses and runs one verb, reporting known errors on stderr with the exit code they stand for. */
async function invoke(verb: AnyVerb, argv: readonly string[], env: CliEnv, io: CliIo): Promise<ExitCode> {
  if (wantsHelp(argv)) {
    io.stdout(`${verb.usage}\n`);
    return EXIT.ok;
  }
  try {
    return await verb.run(verb.parse(argv, env), io);
  } catch (err) {
    const reported = reportError(err);
    if (reported === undefined) throw err;
    io.stderr(`stagegate ${verb.name}: ${reported.message}\n`);
    if (reported.code === EXIT.usage) {
      io.stderr(
        reported.showUsage ? `\n${verb.usage}\n` : `Run "stagegate ${verb.name} --help" for usage.\n`,
      );
    }
    return reported.code;
  }
}

/**
 * The CLI's entry: `help`, a verb's `--help`, or a verb parsed and run with the given environment and I/O.
 * Returns the exit code (0 ok, 1 failed or refused, 2 usage); unexpected errors propagate with their stack.
 */
export async function runCli(
  argv: readonly string[],
  env: CliEnv,
  io: CliIo,
  extra: readonly ExtraCommand[] = [],
): Promise<ExitCode> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h") {
    io.stdout(`${formatUsage(extra)}\n`);
    return EXIT.ok;
  }
  if (first === "help") {
    if (rest.length === 0) {
      io.stdout(`${formatUsage(extra)}\n`);
      return EXIT.ok;
    }
    const match = findVerb(rest);
    if (match !== undefined && match.rest.length === 0) {
      io.stdout(`${match.verb.usage}\n`);
      return EXIT.ok;
    }
    io.stderr(`stagegate: no help for "${rest.join(" ")}": it is not a command.\n\n${formatUsage(extra)}\n`);
    return EXIT.usage;
  }
  const match = findVerb(argv);
  if (match === undefined) {
    const family = VERBS.filter((verb) => verb.name.startsWith(`${first} `)).map((verb) => verb.name);
    const message =
      family.length > 0
        ? `"${argv.slice(0, 2).join(" ")}" is not a command; did you mean ${family.map((n) => `"${n}"`).join(", ")}?`
        : `unknown command "${first}".`;
    io.stderr(`stagegate: ${message}\n\n${formatUsage(extra)}\n`);
    return EXIT.usage;
  }
  return invoke(match.verb, match.rest, env, io);
}
