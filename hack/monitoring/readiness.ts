import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { ManagedProcess } from "../local-cluster/index.js";

/** True when `GET <baseUrl>/-/ready` answers 200; any error counts as not yet. Both servers serve this path. */
export async function probeReady(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/-/ready`, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** The given state dir made absolute and created if missing, or a fresh `mkdtemp` one under the OS temp dir. */
export async function stateDir(dir: string | undefined, prefix: string): Promise<string> {
  if (dir === undefined) return mkdtemp(join(tmpdir(), prefix));
  await mkdir(dir, { recursive: true });
  return resolve(dir);
}

/** How to stop a server started by this module. */
export interface StopServerOptions {
  /** Keep the state dir (config, data, log) and print where it is, e.g. after a failed test. */
  readonly keepLogs?: boolean;
}

/**
 * Stops the process (SIGTERM, then SIGKILL after a grace period) and removes the state dir unless `keepLogs`.
 * The returned function is safe to call twice.
 */
export function stopper(
  process: ManagedProcess,
  dir: string,
): (options?: StopServerOptions) => Promise<void> {
  let stopped = false;
  return async (options = {}) => {
    if (stopped) return;
    stopped = true;
    await process.stop(5_000);
    if (options.keepLogs) {
      console.error(`Kept the ${process.name} state in ${dir}; log: ${process.logFile}`);
    } else {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
