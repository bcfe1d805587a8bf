import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import v8 from "node:v8";
import vm from "node:vm";

/** A process's resident memory as the kernel reports it, in MiB: now (VmRSS) and its peak so far (VmHWM). */
export interface ResidentMemory {
  rssMiB: number;
  peakMiB: number;
}

/** Reads `/proc/<pid>/status`. Throws when the process is gone. */
export function residentMemory(pid: number): ResidentMemory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
    if (match?.[1] === undefined) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(match[1]);
  };
  return { rssMiB: kib("VmRSS") / 1024, peakMiB: kib("VmHWM") / 1024 };
}

/**
 * The resident memory of an idle process: sampled once a second for `settleMs`, the last sample (an idle process
 * has settled by then) with the peak the kernel recorded.
 */
export async function settledMemory(pid: number, settleMs: number): Promise<ResidentMemory> {
  let last = residentMemory(pid);
  for (let waited = 0; waited < settleMs; waited += 1_000) {
    await sleep(1_000);
    last = residentMemory(pid);
  }
  return last;
}

/** A bare `node` process doing nothing (the same binary as the operator's), the baseline of every RSS row. */
export function startBareNode(): ChildProcess {
  return spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], { stdio: "ignore" });
}

/** The collector of this process (as `node --expose-gc` would give it), turned on at run time. */
function exposedGc(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}

const gc = exposedGc();

/** heapUsed after full collections (three, with a turn of the event loop between), in bytes. */
export async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
