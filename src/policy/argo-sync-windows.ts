import { z } from "zod";
import { formatTimestamp } from "../runtime/duration.js";
import { windowPosition } from "./deployment-window.js";
import { blocked, passed, type GateResult } from "./gate.js";

/** One entry of an Argo CD AppProject's `spec.syncWindows`, as Argo CD reads it. */
export const ArgoSyncWindow = z.looseObject({
  kind: z.string().optional(),
  schedule: z.string().optional(),
  duration: z.string().optional(),
  applications: z.array(z.string()).optional(),
  namespaces: z.array(z.string()).optional(),
  clusters: z.array(z.string()).optional(),
  manualSync: z.boolean().optional(),
  timeZone: z.string().optional(),
  andOperator: z.boolean().optional(),
  description: z.string().optional(),
});
export type ArgoSyncWindow = z.infer<typeof ArgoSyncWindow>;

/** What of an Application the windows match on: its name and its destination. */
export interface WindowedApplication {
  name: string;
  destination: { server?: string | undefined; name?: string | undefined; namespace?: string | undefined };
}

/** The sync windows that apply to one Application, with the project they come from. */
export interface ProjectWindows {
  project: string;
  windows: readonly ArgoSyncWindow[];
  application: WindowedApplication;
}

/**
 * An Argo CD glob (gobwas/glob without separators): `*` any text, `?` one character, `[...]` a class, `{a,b}`
 * alternatives. A pattern that does not compile matches nothing, as in Argo CD.
 */
export function globMatch(pattern: string, text: string): boolean {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else if (c === "{") source += "(?:";
    else if (c === "}") source += ")";
    else if (c === "," && source.includes("(?:")) source += "|";
    else if (c === "[") {
      const close = pattern.indexOf("]", i + 1);
      if (close < 0) return false;
      const body = pattern
        .slice(i + 1, close)
        .replace(/^!/, "^")
        .replace(/\\/g, "\\\\");
      source += `[${body}]`;
      i = close;
    } else source += c.replace(/[.+^$()|\\/]/g, "\\$&");
  }
  try {
    return new RegExp(`^${source}$`, "s").test(text);
  } catch {
    return false;
  }
}

/** The windows of a project that apply to the Application, matched as Argo CD's `SyncWindows.Matches` does. */
export function matchingWindows(
  windows: readonly ArgoSyncWindow[],
  app: WindowedApplication,
): ArgoSyncWindow[] {
  return windows.filter((w) => windowMatches(w, app));
}

function windowMatches(w: ArgoSyncWindow, app: WindowedApplication): boolean {
  const { name, server, namespace } = app.destination;
  const applications = w.applications ?? [];
  const clusters = w.clusters ?? [];
  const namespaces = w.namespaces ?? [];
  const checks: boolean[] = [];
  if (applications.length > 0) checks.push(applications.some((p) => globMatch(p, app.name)));
  if (clusters.length > 0) {
    checks.push(
      clusters.some(
        (p) =>
          (name !== undefined && name !== "" && globMatch(p, name)) ||
          (server !== undefined && server !== "" && globMatch(p, server)),
      ),
    );
  }
  if (namespaces.length > 0) checks.push(namespaces.some((p) => globMatch(p, namespace ?? "")));
  if (checks.length === 0) return false;
  return w.andOperator === true ? checks.every(Boolean) : checks.some(Boolean);
}

/** Whether one window is active at `now`; throws on a schedule, time zone or duration that does not parse. */
function isActive(w: ArgoSyncWindow, now: Date): boolean {
  return windowPosition(
    { schedule: w.schedule ?? "", duration: w.duration ?? "", timeZone: w.timeZone ?? "UTC" },
    now,
  ).open;
}

/** Why Argo CD would refuse a manual sync (Stagegate's) of the Application at `now`, or undefined when it would run it. */
export function syncRefusal(matching: readonly ArgoSyncWindow[], now: Date): ArgoSyncWindow[] | undefined {
  if (matching.length === 0) return undefined;
  const active = matching.filter((w) => isActive(w, now));
  const denies = active.filter((w) => w.kind === "deny");
  if (denies.length > 0) return denies.every((w) => w.manualSync === true) ? undefined : denies;
  if (active.some((w) => w.kind === "allow")) return undefined;
  const inactiveAllows = matching.filter((w) => w.kind === "allow" && !isActive(w, now));
  if (inactiveAllows.length === 0) return undefined;
  // Stagegate's sync is a manual one (initiatedBy a user, not automated): allowed where every window permits it.
  return inactiveAllows.every((w) => w.manualSync === true) ? undefined : inactiveAllows;
}

/** The first instant after `now` at which Argo CD would run the sync, among the windows' edges; undefined if none. */
export function syncPermittedAt(matching: readonly ArgoSyncWindow[], now: Date): Date | undefined {
  const edges: number[] = [];
  for (const w of matching) {
    const at = windowPosition(
      { schedule: w.schedule ?? "", duration: w.duration ?? "", timeZone: w.timeZone ?? "UTC" },
      now,
    );
    const edge = at.open ? at.closesAt : at.opensAt;
    if (edge !== undefined) edges.push(edge.getTime());
  }
  for (const edge of [...new Set(edges)].sort((a, b) => a - b)) {
    if (syncRefusal(matching, new Date(edge)) === undefined) return new Date(edge);
  }
  return undefined;
}

/** The Argo CD sync-window gate: passes when no window of the Application's project would refuse the sync. */
export function insideArgoSyncWindows(project: ProjectWindows | undefined, now: Date): GateResult {
  if (project === undefined) return passed("NoSyncWindows", "No Argo CD sync window applies to the target.");
  const matching = matchingWindows(project.windows, project.application);
  let refusing: ArgoSyncWindow[] | undefined;
  let opens: Date | undefined;
  try {
    refusing = syncRefusal(matching, now);
    opens = refusing === undefined ? undefined : syncPermittedAt(matching, now);
  } catch (err) {
    return blocked(
      "SyncWindowInvalid",
      `Argo CD AppProject ${project.project} has a sync window that does not parse (${(err as Error).message}); ` +
        "Argo CD refuses every sync of the application until it is fixed.",
    );
  }
  if (refusing === undefined) {
    return passed("SyncWindowOpen", `Argo CD's sync windows of project ${project.project} permit the sync.`);
  }
  const named = refusing.map((w) => describeWindow(w)).join("; ");
  return blocked(
    "SyncWindowClosed",
    `Argo CD would refuse the sync: AppProject ${project.project}'s ${named} ` +
      (opens === undefined ? "holds it." : `holds it until ${formatTimestamp(opens)}.`),
  );
}

function describeWindow(w: ArgoSyncWindow): string {
  const what = w.kind === "deny" ? "deny window" : "allow window (closed now)";
  const zone = w.timeZone === undefined || w.timeZone === "" ? "UTC" : w.timeZone;
  const text = `${what} "${w.schedule ?? ""}" for ${w.duration ?? ""} (${zone})`;
  return w.description === undefined || w.description === "" ? text : `${text}, ${w.description}`;
}
