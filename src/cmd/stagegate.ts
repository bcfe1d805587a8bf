#!/usr/bin/env node
import { ConfigError, parseRunConfig, runHelp } from "./config.js";
import { runOperator } from "./run.js";

const USAGE = `Usage: stagegate <command> [flags]

Commands:
  run       Run the operator (controllers on the leader; probes and metrics everywhere)
  version   Print the version
  help      Print this help

Run "stagegate <command> --help" for a command's flags.`;

/** The `stagegate` command: parses the verb and its flags once, then runs it. */
async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  switch (verb) {
    case "run": {
      if (rest.includes("--help") || rest.includes("-h")) {
        process.stdout.write(`${runHelp()}\n`);
        return 0;
      }
      return runOperator(parseRunConfig(rest, process.env));
    }
    case "version":
      process.stdout.write("stagegate 0.1.0 (API stagegate.io/v1alpha1)\n");
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`stagegate: unknown command "${verb}".\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`stagegate: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`stagegate: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
