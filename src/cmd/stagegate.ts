#!/usr/bin/env node
import type { ExtraCommand } from "../cli/main.js";
import { ConfigError, parseRunConfig, runHelp } from "./config.js";
import { runOperator } from "./run.js";

/** The operator's own commands; every other verb is a CLI verb (src/cli) listed in the same help. */
const OPERATOR_COMMANDS: readonly ExtraCommand[] = [
  { name: "run", summary: "Run the operator (controllers on the leader; probes and metrics everywhere)" },
  { name: "version", summary: "Print the version" },
];

/** The `stagegate` command: parses the verb and its flags once, then runs it. */
async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  switch (verb) {
    case "run": {
      if (rest.includes("--help") || rest.includes("-h")) {
        process.stdout.write(`${runHelp()}\n`);
        return 0;
      }
      const code = await runOperator(parseRunConfig(rest, process.env));
      // The operator has stopped: nothing it started may keep the process alive (a pod must restart).
      return process.exit(code);
    }
    case "version":
      process.stdout.write("stagegate 0.1.0 (API stagegate.io/v1alpha1)\n");
      return 0;
    default: {
      // Loaded on demand, so `run` never depends on the CLI's modules.
      const [{ runCli }, { processIo }] = await Promise.all([
        import("../cli/main.js"),
        import("../cli/kube-session.js"),
      ]);
      return runCli(argv, process.env, processIo(), OPERATOR_COMMANDS);
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Exit at once: a half-started operator (a listening server, a running informer) must not linger.
    if (err instanceof ConfigError) {
      process.stderr.write(`stagegate: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`stagegate: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
