import { spawn } from "node:child_process";
import { ImageError } from "./errors.js";

/** What a command printed; a failed command throws instead (see {@link runCommand}). */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** How to run a command for the image build. */
export interface CommandOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Copy stderr to this process's stderr as it comes (progress of slow steps); it is still collected. */
  readonly echoStderr?: boolean;
  readonly timeoutMs?: number;
}

/**
 * Runs a command to completion and returns its output; a non-zero exit, a signal or a failure to start throws an
 * {@link ImageError} naming the command and carrying the end of what it printed.
 */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandOutput> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    timeout: options.timeoutMs ?? 15 * 60_000,
    killSignal: "SIGKILL",
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => {
    stderr.push(chunk);
    if (options.echoStderr === true) process.stderr.write(chunk);
  });
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.once("error", (error) => reject(new ImageError(`Could not run ${command}.`, { cause: error })));
      child.once("close", (exitCode, exitSignal) => resolve({ code: exitCode, signal: exitSignal }));
    },
  );
  const output = {
    stdout: Buffer.concat(stdout).toString("utf8"),
    stderr: Buffer.concat(stderr).toString("utf8"),
  };
  if (code !== 0) {
    const how = signal === null ? `exit ${code}` : `signal ${signal}`;
    const said = `${output.stderr}\n${output.stdout}`.trim().split("\n").slice(-30).join("\n");
    throw new ImageError(`${command} ${args.join(" ")} failed (${how}):\n${said}`);
  }
  return output;
}
