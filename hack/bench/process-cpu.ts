import { readFile } from "node:fs/promises";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used, from the text of /proc/<pid>/stat. */
export function parseCpuSeconds(stat: string): number {
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU seconds the running process `pid` has used so far (0 when it is gone). */
export async function cpuSeconds(pid: number): Promise<number> {
  try {
    return parseCpuSeconds(await readFile(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return 0;
  }
}
