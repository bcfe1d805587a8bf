import { Cron } from "croner";
import { parseDuration } from "../runtime/duration.js";
import { blocked, passed, type GateResult } from "./gate.js";

/** A recurring permitted window, as an Environment declares it. */
export interface WindowSpec {
  name?: string | undefined;
  schedule: string;
  duration: string;
  timeZone: string;
}

/** Where `now` stands against one window: inside it (and until when), or when it next opens. */
export interface WindowPosition {
  open: boolean;
  closesAt?: Date;
  opensAt?: Date;
}

/**
 * Places `now` against a recurring window: open when the most recent start is at most `duration` ago. Throws on a
 * schedule, time zone or duration that does not parse (the caller turns that into an InvalidSpec condition).
 */
export function windowPosition(window: WindowSpec, now: Date): WindowPosition {
  const cron = new Cron(window.schedule, { timezone: window.timeZone, paused: true });
  const length = parseDuration(window.duration);
  // previousRuns looks strictly before its reference: a millisecond later includes a start exactly at `now`.
  const lastStart = cron.previousRuns(1, new Date(now.getTime() + 1))[0];
  if (lastStart !== undefined && now.getTime() < lastStart.getTime() + length) {
    return { open: true, closesAt: new Date(lastStart.getTime() + length) };
  }
  const next = cron.nextRun(now);
  return next === null ? { open: false } : { open: false, opensAt: next };
}

/** The window gate: open when no windows are declared, or when `now` is inside one of them. */
export function insideWindow(windows: readonly WindowSpec[], now: Date): GateResult {
  if (windows.length === 0) return passed("NoWindowRequired", "Deployments are permitted at any time.");
  const positions = windows.map((w) => ({ w, at: windowPosition(w, now) }));
  const open = positions.find((p) => p.at.open);
  if (open !== undefined) {
    return passed(
      "InsideWindow",
      `Inside the ${label(open.w)} window until ${open.at.closesAt?.toISOString() ?? "its end"}.`,
    );
  }
  const next = positions
    .flatMap((p) => (p.at.opensAt === undefined ? [] : [{ w: p.w, opensAt: p.at.opensAt }]))
    .sort((a, b) => a.opensAt.getTime() - b.opensAt.getTime())[0];
  return blocked(
    "OutsideWindow",
    next === undefined
      ? "No permitted deployment window will open again; check the environment's windows."
      : `Outside every permitted window; the ${label(next.w)} window opens at ${next.opensAt.toISOString()}.`,
  );
}

function label(window: WindowSpec): string {
  return window.name ?? `"${window.schedule}" (${window.timeZone})`;
}
