import { open, rm } from "node:fs/promises";
import path from "node:path";
import { runTimed, type TimedRun } from "./timed-runs.js";

/** About one RollbackTaskOpened audit line (the alert's labels, annotations and the hash chain). */
const LINE = Buffer.from(`${JSON.stringify({ pad: "x".repeat(900) })}\n`, "utf8");

/**
 * Appends `count` lines to a scratch file in `dir` with an fsync after each, as the audit trail does for every
 * entry before `record` resolves: the part of a task's opening that is the disk, not the API server.
 */
export async function timeAppendFsync(dir: string, count: number): Promise<TimedRun> {
  const file = path.join(dir, "fsync-baseline.jsonl");
  const handle = await open(file, "a");
  try {
    return await runTimed(count, 1, async () => {
      await handle.appendFile(LINE);
      await handle.sync();
    });
  } finally {
    await handle.close();
    await rm(file, { force: true });
  }
}
