import { spawn } from "node:child_process";
import { join } from "node:path";
import { LocalClusterError } from "./errors.js";

/** What a kubectl run produced; a non-zero `code` is data, not an exception, so tests can assert on denials. */
export interface KubectlResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Which kubectl binary and kubeconfig to use, and where kubectl may cache discovery. */
export interface KubectlTarget {
  readonly binDir: string;
  readonly kubeconfig: string;
  /** Discovery cache; kept per cluster so no state leaks into `~/.kube`. */
  readonly cacheDir?: string;
}

/** Options for one kubectl run. */
export interface KubectlRunOptions {
  /** Written to stdin (for `-f -`). */
  readonly input?: string;
  /** Kills kubectl after this long; defaults to two minutes. */
  readonly timeoutMs?: number;
}

/**
 * Runs the cached kubectl against one kubeconfig and collects its exit code and output. It never inherits
 * `KUBECONFIG`, so a developer's own cluster can never be touched by a test or the local-cluster helper.
 */
export async function runKubectl(
  target: KubectlTarget,
  args: readonly string[],
  options: KubectlRunOptions = {},
): Promise<KubectlResult> {
  const argv = [`--kubeconfig=${target.kubeconfig}`, ...args];
  if (target.cacheDir !== undefined) argv.unshift(`--cache-dir=${target.cacheDir}`);
  const env = { ...process.env };
  delete env.KUBECONFIG;
  const child = spawn(join(target.binDir, "kubectl"), argv, {
    stdio: ["pipe", "pipe", "pipe"],
    env,
    timeout: options.timeoutMs ?? 120_000,
    killSignal: "SIGKILL",
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  child.stdin.on("error", () => {
    // kubectl may exit before reading all of stdin; its exit code and stderr say why.
  });
  child.stdin.end(options.input ?? "");
  return new Promise<KubectlResult>((resolve, reject) => {
    child.once("error", (error) =>
      reject(new LocalClusterError(`Could not run kubectl from ${target.binDir}.`, { cause: error })),
    );
    child.once("close", (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8") + (signal ? `\nkubectl was killed by ${signal}` : ""),
      }),
    );
  });
}

/** Runs kubectl and throws a {@link LocalClusterError} quoting stderr when it fails; returns stdout. */
export async function runKubectlOrThrow(
  target: KubectlTarget,
  args: readonly string[],
  options: KubectlRunOptions = {},
): Promise<string> {
  const result = await runKubectl(target, args, options);
  if (result.code !== 0) {
    throw new LocalClusterError(
      `kubectl ${args.join(" ")} failed (exit ${result.code}): ${result.stderr.trim()}`,
    );
  }
  return result.stdout;
}
