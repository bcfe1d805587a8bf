import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { TEST_BUILD_ENV, commandArgs } from "../../hack/test-build.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** What a `stagegate` process did: its exit code and output. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `stagegate ARGS` as its own process, exactly as a user or CI would, and returns its exit code and
 * output. Killed after `timeoutMs`, so a hung CLI fails the test instead of holding it.
 */
export async function runStagegate(
  args: readonly string[],
  { cwd = REPO, env, timeoutMs = 60_000 }: { cwd?: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CliResult> {
  // From another directory `--import tsx` would not resolve, so pass tsx's own entry there.
  const tsx = cwd === REPO ? "tsx" : import.meta.resolve("tsx");
  const entry = commandArgs(REPO, "stagegate", process.env[TEST_BUILD_ENV], tsx);
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    timeout: timeoutMs,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (status) => resolve(status));
  });
  return { code, stdout, stderr };
}
