import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { LocalClusterError } from "./errors.js";

/** What a helm run produced; a non-zero `code` is data, so tests can assert on a refused value. */
export interface HelmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Which helm, which cluster (none for `lint`/`template`), and where helm keeps its own state. */
export interface HelmTarget {
  readonly helm: string;
  readonly kubeconfig?: string;
  /** helm's cache, config and data directories go here, so nothing leaks into ~/.config or ~/.cache. */
  readonly stateDir: string;
}

/**
 * Runs helm and collects its exit code and output. It never inherits `KUBECONFIG` or `HELM_*`, so a developer's
 * own cluster and helm configuration are never touched.
 */
export async function runHelm(
  target: HelmTarget,
  args: readonly string[],
  options: { readonly timeoutMs?: number } = {},
): Promise<HelmResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key !== "KUBECONFIG" && !key.startsWith("HELM_")) env[key] = value;
  }
  for (const [key, dir] of [
    ["HELM_CACHE_HOME", "cache"],
    ["HELM_CONFIG_HOME", "config"],
    ["HELM_DATA_HOME", "data"],
  ] as const) {
    env[key] = join(target.stateDir, dir);
    mkdirSync(env[key], { recursive: true });
  }
  const argv = target.kubeconfig === undefined ? [...args] : [...args, `--kubeconfig=${target.kubeconfig}`];
  const child = spawn(target.helm, argv, {
    stdio: ["ignore", "pipe", "pipe"],
    env,
    timeout: options.timeoutMs ?? 120_000,
    killSignal: "SIGKILL",
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  return new Promise<HelmResult>((resolve, reject) => {
    child.once("error", (error) =>
      reject(new LocalClusterError(`Could not run ${target.helm}.`, { cause: error })),
    );
    child.once("close", (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8") + (signal ? `\nhelm was killed by ${signal}` : ""),
      }),
    );
  });
}
