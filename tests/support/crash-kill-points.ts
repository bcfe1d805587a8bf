import type { OperatorProcess } from "./operator-process.js";

/**
 * The operator's log lines that mark a write with more writes right behind it in the same reconcile: the points
 * where a crash leaves the world half-changed. Killing right after one of them is logged tests exactly the
 * in-between states a crash at a random moment only rarely hits.
 */
export const KILL_POINTS = [
  "Opened check task",
  "Requested change",
  "Locked target for promotion",
  "Promoted release",
  "Released target lock",
] as const;
export type KillPoint = (typeof KILL_POINTS)[number];

/**
 * Resolves with the kill point once the process logs a line whose message starts with `point` and whose
 * `environment` is `environment` when given (read from its stdout as it is written, not from the log file), or
 * with `undefined` after `fallbackMs` without one.
 */
export function whenLogged(
  op: OperatorProcess,
  point: KillPoint,
  fallbackMs: number,
  environment?: string,
): Promise<KillPoint | undefined> {
  const stdout = op.child.stdout;
  if (stdout === null) return Promise.reject(new Error("The operator's stdout is not piped."));
  return new Promise((resolve) => {
    const needle = `"msg":"${point}`;
    let pending = "";
    const finish = (value: KillPoint | undefined): void => {
      clearTimeout(timer);
      stdout.off("data", onData);
      resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      const matches = (line: string): boolean =>
        line.includes(needle) &&
        (environment === undefined || line.includes(`"environment":"${environment}"`));
      if (lines.some(matches)) finish(point);
    };
    const timer = setTimeout(() => finish(undefined), fallbackMs);
    stdout.on("data", onData);
  });
}
