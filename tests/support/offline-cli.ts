// The stagegate CLI run in the test process for verbs that read files or a database and never the cluster: what it
// printed and its exit code. A verb that tried to connect to a cluster fails the run.
import { runCli } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/verb.js";

/** What one offline run of the CLI printed, and how it exited. */
export interface OfflineCliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `stagegate <argv>` with no environment and no cluster, at `now` (the clock by default). */
export async function runOfflineCli(argv: string[], now?: Date): Promise<OfflineCliRun> {
  let out = "";
  let err = "";
  const io: CliIo = {
    stdout: (text) => void (out += text),
    stderr: (text) => void (err += text),
    connect: () => Promise.reject(new Error("these audit verbs need no cluster")),
    now: () => now ?? new Date(),
  };
  const code = await runCli(argv, {}, io, []);
  return { code, out, err };
}
