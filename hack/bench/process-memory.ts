import { readFile } from "node:fs/promises";

/** A process's memory as the kernel reports it in /proc/<pid>/status, in bytes. */
export interface ProcessMemory {
  /** VmRSS: resident now. */
  readonly rss: number;
  /** VmHWM: the peak resident size since the process started. */
  readonly peakRss: number;
}

/** Reads `VmRSS` and `VmHWM` (kB in the file) from a /proc/<pid>/status text. */
export function parseProcStatus(text: string): ProcessMemory {
  const kb = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
    if (match === null) throw new Error(`/proc status has no ${field} line.`);
    return Number(match[1]) * 1024;
  };
  return { rss: kb("VmRSS"), peakRss: kb("VmHWM") };
}

/** The memory of the running process `pid` (Linux). */
export async function processMemory(pid: number): Promise<ProcessMemory> {
  return parseProcStatus(await readFile(`/proc/${pid}/status`, "utf8"));
}

/** Bytes as MiB with one decimal. */
export const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
