import { readFileSync } from "node:fs";
import { pollUntil } from "./poll.js";

/**
 * True when `pid` names a live process (a zombie counts as dead). With `expectedCommand`, the process must
 * also be running that binary, so a recycled pid from an old state file is never mistaken for our etcd.
 */
export function isPidAlive(pid: number, expectedCommand?: string): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  if (state === "Z" || state === "X") return false;
  if (expectedCommand === undefined) return true;
  try {
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0];
    return argv0 === expectedCommand;
  } catch {
    return false;
  }
}

/**
 * Ends a process we only know by pid (a detached cluster started by an earlier CLI run): SIGTERM and SIGCONT,
 * then SIGKILL after `graceMs`, then waits until it is gone. Returns false if it was not running `expectedCommand`.
 */
export async function terminatePid(pid: number, expectedCommand: string, graceMs = 10_000): Promise<boolean> {
  if (!isPidAlive(pid, expectedCommand)) return false;
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(pid, name);
    } catch {
      // It exited between the check and the signal; the wait below sees it gone.
    }
  };
  signal("SIGTERM");
  signal("SIGCONT");
  const gone = () => (isPidAlive(pid) ? undefined : true);
  try {
    await pollUntil(`pid ${pid} to exit after SIGTERM`, gone, { timeoutMs: graceMs, intervalMs: 50 });
  } catch {
    signal("SIGKILL");
    await pollUntil(`pid ${pid} to exit after SIGKILL`, gone, { timeoutMs: 10_000, intervalMs: 50 });
  }
  return true;
}
