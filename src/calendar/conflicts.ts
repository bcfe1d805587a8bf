import { inScope, type FreezeSpec } from "../policy/freeze.js";
import { formatTimestamp } from "../runtime/duration.js";
import { taskDueAt, type CalendarInputs, type CalendarTask, type PlannedChange } from "./inputs.js";
import { expandSeries } from "./recurring.js";

/** Why two things on the calendar clash. */
export type ConflictReason = "OverlappingChange" | "PlannedInFreeze" | "DueAfterWindow";

/** An object a conflict is shown on (by kind, namespace and name). */
export interface ConflictParty {
  kind: "ChangeRequest" | "DeploymentTask";
  namespace: string;
  name: string;
}

/** One conflict: the objects it is shown on, why, and a sentence for each party naming the other and the overlap. */
export interface ScheduleConflict {
  reason: ConflictReason;
  parties: ConflictParty[];
  /** One sentence per party (same order as `parties`), naming the other object and the overlap. */
  messages: string[];
}

/** Whether a change still takes part in scheduling: not rejected, expired or closed. */
export function isScheduled(change: PlannedChange): boolean {
  const resolution = change.status?.resolution;
  return resolution !== "Rejected" && resolution !== "Expired" && change.status?.closedAt === undefined;
}

interface Interval {
  change: PlannedChange;
  start: number;
  end: number;
  /** start and end as Kubernetes writes times, formatted once per change rather than once per pair. */
  startText: string;
  endText: string;
}

const at = (ms: number): string => formatTimestamp(new Date(ms));
const nsName = (c: PlannedChange): string => `${c.metadata.namespace ?? ""}/${c.metadata.name}`;
const party = (c: PlannedChange): ConflictParty => ({
  kind: "ChangeRequest",
  namespace: c.metadata.namespace ?? "",
  name: c.metadata.name,
});

function targetKey(c: PlannedChange): string | undefined {
  const t = c.spec.binding?.target;
  return t === undefined ? undefined : `${t.kind}/${t.namespace}/${t.name}`;
}

/**
 * Two changes planned in overlapping windows for the same environment or the same target (the target from the
 * operator-written binding, never a label), unless Stagegate opened both for promotions (see
 * `CalendarInputs.operatorIdentity`). A sweep per group over windows sorted by start: O(n log n + k) for
 * n changes and k overlapping pairs; a pair that shares both environment and target is reported once.
 */
export function overlappingChanges(
  changes: readonly PlannedChange[],
  operatorIdentity?: string,
): ScheduleConflict[] {
  const automatic = (c: PlannedChange): boolean =>
    operatorIdentity !== undefined &&
    operatorIdentity !== "" &&
    c.spec.requestedBy?.username === operatorIdentity;
  const groups = new Map<string, Interval[]>();
  const add = (key: string, iv: Interval): void => {
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [iv]);
    else list.push(iv);
  };
  for (const change of changes) {
    if (!isScheduled(change)) continue;
    const start = Date.parse(change.spec.plannedWindow.start);
    const end = Date.parse(change.spec.plannedWindow.end);
    if (!(start < end)) continue;
    const iv = { change, start, end, startText: at(start), endText: at(end) };
    add(`env\u0000${change.spec.environment}`, iv);
    const target = targetKey(change);
    if (target !== undefined) add(`target\u0000${target}`, iv);
  }
  const seen = new Set<string>();
  const conflicts: ScheduleConflict[] = [];
  for (const [key, list] of groups) {
    const byEnv = key.startsWith("env\u0000");
    list.sort((a, b) => a.start - b.start || a.end - b.end);
    let active: Interval[] = [];
    for (const iv of list) {
      active = active.filter((other) => other.end > iv.start);
      for (const other of active) {
        const a = nsName(other.change);
        const b = nsName(iv.change);
        const pair = a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
        if (seen.has(pair)) continue;
        seen.add(pair);
        if (automatic(other.change) && automatic(iv.change)) continue;
        const from = iv.startText;
        const to = iv.end < other.end ? iv.endText : other.endText;
        const shared = byEnv
          ? `the same environment ${iv.change.spec.environment}`
          : `the same target ${key.slice("target\u0000".length)}`;
        const text = (c: PlannedChange): string =>
          `ChangeRequest ${nsName(c)} is planned for ${shared} and overlaps this change from ${from} to ${to}.`;
        conflicts.push({
          reason: "OverlappingChange",
          parties: [party(other.change), party(iv.change)],
          messages: [text(iv.change), text(other.change)],
        });
      }
      active.push(iv);
    }
  }
  return conflicts;
}

/** The first occurrence of a freeze that overlaps [start, end), or undefined; a freeze that does not parse: none. */
export function freezeOverlap(
  freeze: FreezeSpec,
  start: Date,
  end: Date,
): { start: Date; end: Date } | undefined {
  if (freeze.schedule !== undefined && freeze.duration !== undefined) {
    try {
      const { occurrences } = expandSeries(
        { schedule: freeze.schedule, duration: freeze.duration, timeZone: freeze.timeZone ?? "UTC" },
        { since: start, until: end },
        1,
      );
      return occurrences[0];
    } catch {
      // Admission refuses a freeze that does not parse; the Environment controller reports one that slipped in.
      return undefined;
    }
  }
  if (freeze.start === undefined || freeze.end === undefined) return undefined;
  const fs = Date.parse(freeze.start);
  const fe = Date.parse(freeze.end);
  return fs < end.getTime() && start.getTime() < fe ? { start: new Date(fs), end: new Date(fe) } : undefined;
}

/** A freeze's occurrences over a span, sorted by start, or undefined when there are too many to hold. */
function occurrencesOver(
  freeze: FreezeSpec,
  since: number,
  until: number,
): { start: number; end: number }[] | undefined {
  if (freeze.schedule !== undefined && freeze.duration !== undefined) {
    try {
      const { occurrences, truncated } = expandSeries(
        { schedule: freeze.schedule, duration: freeze.duration, timeZone: freeze.timeZone ?? "UTC" },
        { since: new Date(since), until: new Date(until) },
        MAX_FREEZE_OCCURRENCES,
      );
      return truncated
        ? undefined
        : occurrences.map((o) => ({ start: o.start.getTime(), end: o.end.getTime() }));
    } catch {
      // Admission refuses a freeze that does not parse; the Environment controller reports one that slipped in.
      return [];
    }
  }
  if (freeze.start === undefined || freeze.end === undefined) return [];
  return [{ start: Date.parse(freeze.start), end: Date.parse(freeze.end) }];
}

/** How many occurrences of one freeze the check holds before it looks per change instead. */
const MAX_FREEZE_OCCURRENCES = 20_000;

/** The first occurrence (sorted by start, not overlapping each other) that overlaps [start, end). */
function firstOverlap(
  occurrences: readonly { start: number; end: number }[],
  start: number,
  end: number,
): { start: number; end: number } | undefined {
  let lo = 0;
  let hi = occurrences.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((occurrences[mid]?.end ?? 0) <= start) lo = mid + 1;
    else hi = mid;
  }
  const hit = occurrences[lo];
  return hit !== undefined && hit.start < end ? hit : undefined;
}

/**
 * Changes planned (partly) inside a freeze of their environment that covers their namespace (by the namespace's
 * labels, which only administrators write). Each freeze is expanded once over the span of its environment's
 * changes and each change looks its window up by binary search: O(n log f) for n changes and f occurrences.
 */
export function plannedInFreezes(inputs: CalendarInputs): ScheduleConflict[] {
  const byEnv = new Map<string, PlannedChange[]>();
  for (const change of inputs.changes) {
    if (!isScheduled(change)) continue;
    const list = byEnv.get(change.spec.environment);
    if (list === undefined) byEnv.set(change.spec.environment, [change]);
    else list.push(change);
  }
  const conflicts: ScheduleConflict[] = [];
  for (const env of inputs.environments) {
    const changes = byEnv.get(env.metadata.name) ?? [];
    if (changes.length === 0) continue;
    let since = Infinity;
    let until = -Infinity;
    for (const c of changes) {
      since = Math.min(since, Date.parse(c.spec.plannedWindow.start));
      until = Math.max(until, Date.parse(c.spec.plannedWindow.end));
    }
    for (const freeze of env.spec.gate?.freezes ?? []) {
      const held = occurrencesOver(freeze, since, until);
      for (const change of changes) {
        const labels = inputs.namespaceLabels?.get(change.metadata.namespace ?? "");
        if (!inScope(freeze, { namespaceLabels: labels })) continue;
        const start = Date.parse(change.spec.plannedWindow.start);
        const end = Date.parse(change.spec.plannedWindow.end);
        const hit =
          held === undefined
            ? freezeOverlap(freeze, new Date(start), new Date(end))
            : firstOverlap(held, start, end);
        if (hit === undefined) continue;
        const because = freeze.reason ? ` (${freeze.reason})` : "";
        conflicts.push({
          reason: "PlannedInFreeze",
          parties: [party(change)],
          messages: [
            `The planned window overlaps the freeze ${freeze.name}${because} of environment ` +
              `${change.spec.environment} from ${at(Math.max(hit.start.valueOf(), start))} to ` +
              `${at(Math.min(hit.end.valueOf(), end))}.`,
          ],
        });
      }
    }
  }
  return conflicts;
}

/**
 * Open tasks of a release and environment due after the start of a planned window of a change for the same
 * release and environment in the same namespace (the work it prepares is late). A join by key: O(n + m).
 */
export function tasksDueAfterWindows(inputs: CalendarInputs): ScheduleConflict[] {
  const key = (ns: string | undefined, release: string, env: string): string =>
    `${ns ?? ""}\u0000${release}\u0000${env}`;
  const changesByKey = new Map<string, PlannedChange[]>();
  for (const change of inputs.changes) {
    if (!isScheduled(change)) continue;
    const k = key(change.metadata.namespace, change.spec.releaseRef.name, change.spec.environment);
    const list = changesByKey.get(k);
    if (list === undefined) changesByKey.set(k, [change]);
    else list.push(change);
  }
  const conflicts: ScheduleConflict[] = [];
  for (const task of inputs.tasks) {
    const due = dueOfOpenTask(task);
    const release = task.spec.releaseRef?.name;
    if (due === undefined || release === undefined || task.spec.environment === undefined) continue;
    for (const change of changesByKey.get(key(task.metadata.namespace, release, task.spec.environment)) ??
      []) {
      const start = Date.parse(change.spec.plannedWindow.start);
      if (!(due > start)) continue;
      const taskName = `${task.metadata.namespace ?? ""}/${task.metadata.name}`;
      conflicts.push({
        reason: "DueAfterWindow",
        parties: [
          party(change),
          { kind: "DeploymentTask", namespace: task.metadata.namespace ?? "", name: task.metadata.name },
        ],
        messages: [
          `DeploymentTask ${taskName} it depends on is due at ${at(due)}, after the planned window starts at ${at(start)}.`,
          `This task is due at ${at(due)}, after the planned window of ChangeRequest ${nsName(change)} starts at ${at(start)}.`,
        ],
      });
    }
  }
  return conflicts;
}

function dueOfOpenTask(task: CalendarTask): number | undefined {
  if (task.spec.cancelled === true || task.status?.completedAt !== undefined) return undefined;
  const due = taskDueAt(task);
  return due === undefined ? undefined : Date.parse(due);
}

/** Every schedule conflict among the inputs: overlapping changes, changes in freezes and late preparing tasks. */
export function detectConflicts(inputs: CalendarInputs): ScheduleConflict[] {
  return [
    ...overlappingChanges(inputs.changes, inputs.operatorIdentity),
    ...plannedInFreezes(inputs),
    ...tasksDueAfterWindows(inputs),
  ];
}
