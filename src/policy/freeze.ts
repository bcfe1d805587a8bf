import { formatTimestamp, parseDuration } from "../runtime/duration.js";
import { windowPosition } from "./deployment-window.js";
import { blocked, passed, type GateResult } from "./gate.js";

/** The kinds of release a freeze may let through (see `spec.changeType` of a Release). */
export type FreezeException = "Hotfix";

/**
 * A release freeze as the policy reads it: dated (`start` and `end`) or recurring (`schedule` and `duration`, in
 * `timeZone`), over the whole environment or only the namespaces whose labels match `namespaceSelector`.
 */
export interface FreezeSpec {
  name: string;
  start?: string | undefined;
  end?: string | undefined;
  schedule?: string | undefined;
  duration?: string | undefined;
  timeZone?: string | undefined;
  reason?: string | undefined;
  namespaceSelector?: { matchLabels?: Record<string, string> | undefined } | undefined;
  exceptions?: readonly FreezeException[] | undefined;
}

/** One freeze in force: its spec and the occurrence that holds now. */
export interface ActiveFreeze {
  spec: FreezeSpec;
  start: Date;
  end: Date;
}

/** Which releases a freeze is judged for: the labels of the release's namespace (admin-written, never the release's). */
export interface FreezeScope {
  namespaceLabels: Readonly<Record<string, string>> | undefined;
}

/**
 * The occurrence of a freeze that holds at `now` (start inclusive, end exclusive), or undefined. Throws only on a
 * schedule, time zone or duration that does not parse, which admission refuses and the controller reports.
 */
export function occurrenceAt(freeze: FreezeSpec, now: Date): { start: Date; end: Date } | undefined {
  if (freeze.schedule !== undefined && freeze.duration !== undefined) {
    const at = windowPosition(
      { schedule: freeze.schedule, duration: freeze.duration, timeZone: freeze.timeZone ?? "UTC" },
      now,
    );
    if (!at.open || at.closesAt === undefined) return undefined;
    return { start: new Date(at.closesAt.getTime() - parseDuration(freeze.duration)), end: at.closesAt };
  }
  if (freeze.start === undefined || freeze.end === undefined) return undefined;
  const start = Date.parse(freeze.start);
  const end = Date.parse(freeze.end);
  const t = now.getTime();
  return start <= t && t < end ? { start: new Date(start), end: new Date(end) } : undefined;
}

/** Whether a freeze covers a release in a namespace with these labels (no selector: every namespace). */
export function inScope(freeze: FreezeSpec, scope: FreezeScope | undefined): boolean {
  const wanted = freeze.namespaceSelector?.matchLabels ?? {};
  const entries = Object.entries(wanted);
  if (entries.length === 0) return true;
  // Unknown namespace labels: judge the freeze as covering it (a freeze errs on the side of holding).
  if (scope?.namespaceLabels === undefined) return true;
  const labels = scope.namespaceLabels;
  return entries.every(([k, v]) => labels[k] === v);
}

/** The freezes in force at `now` for `scope` (every freeze without one), earliest end first. */
export function freezesInForce(
  freezes: readonly FreezeSpec[],
  now: Date,
  scope?: FreezeScope,
): ActiveFreeze[] {
  const active: ActiveFreeze[] = [];
  for (const spec of freezes) {
    if (scope !== undefined && !inScope(spec, scope)) continue;
    const at = occurrenceAt(spec, now);
    if (at !== undefined) active.push({ spec, ...at });
  }
  return active.sort((a, b) => a.end.getTime() - b.end.getTime());
}

/** How many chained occurrences `thawsAt` follows before it stops (a freeze that never lets go). */
const MAX_CHAIN = 1_000;

/**
 * When the environment thaws for `scope`: the first instant no freeze holds, following freezes that start before
 * the current one ends (they may overlap or chain). Undefined when none holds now.
 */
export function thawsAt(freezes: readonly FreezeSpec[], now: Date, scope?: FreezeScope): Date | undefined {
  let until = now.getTime();
  for (let step = 0; step < MAX_CHAIN; step++) {
    const holding = freezesInForce(freezes, new Date(until), scope);
    const last = holding.at(-1);
    if (last === undefined) break;
    until = last.end.getTime();
  }
  return until === now.getTime() ? undefined : new Date(until);
}

/** What the freeze gate knows of the release: its declared kind and whether its change is approved here. */
export interface FreezeCandidate {
  scope?: FreezeScope | undefined;
  /** The release's `spec.changeType` (Feature unless it says Hotfix). */
  changeType?: string | undefined;
  /** Whether the environment's ChangeRequest for this promotion is approved (people decided it during the freeze). */
  changeApproved?: boolean | undefined;
}

/** Why a freeze lets this release through, or undefined when it holds it. */
export function exceptionFor(active: ActiveFreeze, candidate: FreezeCandidate): string | undefined {
  const allows = active.spec.exceptions ?? [];
  if (candidate.changeType === "Hotfix" && allows.includes("Hotfix") && candidate.changeApproved === true) {
    return `${active.spec.name} lets an approved Hotfix through`;
  }
  return undefined;
}

/** A freeze in words: its name, until when, and why. */
export function describeFreeze(active: ActiveFreeze): string {
  const reason = active.spec.reason;
  return (
    `${active.spec.name} until ${formatTimestamp(active.end)}` +
    (reason === undefined || reason === "" ? "" : ` (${reason})`)
  );
}

/** The freeze gate: passes outside every freeze in scope or through an exception, and names each freeze otherwise. */
export function outsideFreezes(
  freezes: readonly FreezeSpec[],
  now: Date,
  candidate: FreezeCandidate = {},
): GateResult {
  const active = freezesInForce(freezes, now, candidate.scope);
  if (active.length === 0) return passed("NotFrozen", "No release freeze is in force.");
  const holding = active.filter((f) => exceptionFor(f, candidate) === undefined);
  if (holding.length === 0) {
    const why = active.map((f) => exceptionFor(f, candidate) ?? "").join("; ");
    return passed("FreezeException", `A release freeze is in force, but ${why}.`);
  }
  return blocked(
    "Frozen",
    `The environment is frozen: ${holding.map(describeFreeze).join("; ")}.` +
      (holding.some((f) => (f.spec.exceptions ?? []).includes("Hotfix")) && candidate.changeType !== "Hotfix"
        ? " Only an approved Hotfix release may enter before it ends."
        : ""),
  );
}
