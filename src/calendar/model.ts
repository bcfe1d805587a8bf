import type { FreezeSpec } from "../policy/freeze.js";
import type { WindowSpec } from "../policy/deployment-window.js";
import { compareEvents, overlapsRange, type CalendarEvent, type CalendarRange } from "./event.js";
import {
  changeState,
  taskDueAt,
  type CalendarEnvironment,
  type CalendarInputs,
  type CalendarTask,
  type PlannedChange,
} from "./inputs.js";
import { expandSeries, MAX_OCCURRENCES_PER_SERIES } from "./recurring.js";

/** A series the calendar could not expand fully: cut at the cap, or not parseable. */
export interface CalendarNote {
  environment: string;
  series: string;
  message: string;
}

/** The calendar of a range: its events in order and notes on series it cut or could not read. */
export interface Calendar {
  range: CalendarRange;
  events: CalendarEvent[];
  notes: CalendarNote[];
}

function objectKey(meta: { namespace?: string | undefined; name: string }): string {
  return meta.namespace === undefined ? meta.name : `${meta.namespace}/${meta.name}`;
}

/** The event of a planned change: its window, environment, release, artifacts and state. */
export function changeEvent(change: PlannedChange): CalendarEvent {
  const { spec, metadata } = change;
  const artifacts = (spec.artifacts ?? []).map(
    (a) => a.image ?? a.name + (a.revision ? `@${a.revision}` : ""),
  );
  const target = spec.binding?.target;
  const lines = [
    `ChangeRequest ${objectKey(metadata)} (${spec.type}, ${changeState(change)}) moves release ${spec.releaseRef.name} into ${spec.environment}.`,
    ...(target === undefined ? [] : [`Target: ${target.kind} ${target.namespace}/${target.name}.`]),
    ...(artifacts.length === 0 ? [] : [`Artifacts: ${artifacts.join(", ")}.`]),
  ];
  return {
    uid: `change/${metadata.uid ?? objectKey(metadata)}`,
    kind: "Change",
    start: new Date(spec.plannedWindow.start),
    end: new Date(spec.plannedWindow.end),
    environment: spec.environment,
    summary: `Change ${spec.releaseRef.name} to ${spec.environment} (${spec.type}, ${changeState(change)})`,
    description: lines.join("\n"),
    source: { kind: "ChangeRequest", namespace: metadata.namespace, name: metadata.name, uid: metadata.uid },
  };
}

function freezeDescription(env: string, freeze: FreezeSpec): string {
  const scope = Object.entries(freeze.namespaceSelector?.matchLabels ?? {});
  return [
    `Release freeze ${freeze.name} on ${env}: no promotion while it is in force.`,
    ...(freeze.reason ? [`Reason: ${freeze.reason}`] : []),
    scope.length === 0
      ? "Scope: every namespace."
      : `Scope: namespaces labelled ${scope.map(([k, v]) => `${k}=${v}`).join(", ")}.`,
    ...((freeze.exceptions ?? []).length === 0
      ? []
      : [`Exceptions: ${(freeze.exceptions ?? []).join(", ")} (once approved).`]),
  ].join("\n");
}

/** The occurrences of one environment's freezes in the range (dated ones as they are, recurring ones expanded). */
export function freezeEvents(
  env: CalendarEnvironment,
  range: CalendarRange,
  notes: CalendarNote[] = [],
): CalendarEvent[] {
  const name = env.metadata.name;
  const events: CalendarEvent[] = [];
  for (const freeze of env.spec.gate?.freezes ?? []) {
    const base = {
      kind: "Freeze" as const,
      environment: name,
      summary: `Freeze ${freeze.name} on ${name}` + (freeze.reason ? `: ${freeze.reason}` : ""),
      description: freezeDescription(name, freeze),
      source: { kind: "Environment" as const, name, uid: env.metadata.uid },
    };
    const uidBase = `freeze/${env.metadata.uid ?? name}/${freeze.name}`;
    if (freeze.schedule !== undefined && freeze.duration !== undefined) {
      for (const at of expand(
        name,
        `freeze ${freeze.name}`,
        {
          ...freeze,
          schedule: freeze.schedule,
          duration: freeze.duration,
          timeZone: freeze.timeZone ?? "UTC",
        },
        range,
        notes,
      )) {
        events.push({ ...base, uid: `${uidBase}/${at.start.toISOString()}`, ...at });
      }
    } else if (freeze.start !== undefined && freeze.end !== undefined) {
      const at = { start: new Date(freeze.start), end: new Date(freeze.end) };
      if (overlapsRange(at.start, at.end, range)) events.push({ ...base, uid: uidBase, ...at });
    }
  }
  return events;
}

function windowEvents(
  env: CalendarEnvironment,
  range: CalendarRange,
  notes: CalendarNote[],
): CalendarEvent[] {
  const name = env.metadata.name;
  return (env.spec.gate?.windows ?? []).flatMap((window: WindowSpec, index) => {
    const label = window.name ?? `window ${index + 1}`;
    return expand(name, `deployment window ${label}`, window, range, notes).map((at) => ({
      uid: `window/${env.metadata.uid ?? name}/${window.name ?? String(index)}/${at.start.toISOString()}`,
      kind: "DeploymentWindow" as const,
      ...at,
      environment: name,
      summary: `Deployment window ${label} on ${name}`,
      description: `Deployments to ${name} are permitted ("${window.schedule}" for ${window.duration}, ${window.timeZone}).`,
      source: { kind: "Environment" as const, name, uid: env.metadata.uid },
    }));
  });
}

function expand(
  environment: string,
  series: string,
  spec: { schedule: string; duration: string; timeZone: string },
  range: CalendarRange,
  notes: CalendarNote[],
): { start: Date; end: Date }[] {
  try {
    const { occurrences, truncated } = expandSeries(spec, range);
    if (truncated) {
      notes.push({
        environment,
        series,
        message: `Only the first ${MAX_OCCURRENCES_PER_SERIES} occurrences of ${series} on ${environment} are shown; narrow --since/--until.`,
      });
    }
    return occurrences;
  } catch (err) {
    notes.push({
      environment,
      series,
      message: `${series} on ${environment} cannot be read: ${(err as Error).message}`,
    });
    return [];
  }
}

/** The due time of a task as an instant event, or undefined when it has none or is done or cancelled. */
export function taskEvent(task: CalendarTask): CalendarEvent | undefined {
  const due = taskDueAt(task);
  if (due === undefined || task.spec.cancelled === true || task.status?.completedAt !== undefined)
    return undefined;
  const at = new Date(due);
  const release = task.spec.releaseRef?.name;
  return {
    uid: `task/${task.metadata.uid ?? objectKey(task.metadata)}`,
    kind: "TaskDue",
    start: at,
    end: at,
    environment: task.spec.environment,
    summary: `Due: ${task.spec.title}`,
    description:
      `DeploymentTask ${objectKey(task.metadata)} (${task.spec.type})` +
      (release === undefined ? "" : ` of release ${release}`) +
      (task.spec.environment === undefined ? "" : ` for ${task.spec.environment}`) +
      " is due.",
    source: {
      kind: "DeploymentTask",
      namespace: task.metadata.namespace,
      name: task.metadata.name,
      uid: task.metadata.uid,
    },
  };
}

/**
 * Builds one calendar of [since, until): planned change windows, deployment windows and freezes of every
 * Environment (recurring ones expanded in their time zone, capped per series) and open tasks' due times.
 */
export function buildCalendar(inputs: CalendarInputs, range: CalendarRange): Calendar {
  const notes: CalendarNote[] = [];
  const events: CalendarEvent[] = [];
  for (const change of inputs.changes) {
    const e = changeEvent(change);
    if (overlapsRange(e.start, e.end, range)) events.push(e);
  }
  for (const env of inputs.environments) {
    events.push(...windowEvents(env, range, notes), ...freezeEvents(env, range, notes));
  }
  for (const task of inputs.tasks) {
    const e = taskEvent(task);
    if (e !== undefined && overlapsRange(e.start, e.end, range)) events.push(e);
  }
  return { range, events: events.sort(compareEvents), notes };
}
