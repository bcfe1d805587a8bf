// Calendar conflict detection at scale (issue 14): the sweep of src/calendar/conflicts.ts over N planned changes
// (default 10,000) against baselines measured in the same run on the same objects: sorting them by start (the
// floor any sweep pays) and the naive all-pairs check (what the sweep replaces). Pure CPU: no cluster needed.
// Usage: tsx hack/bench/calendar-conflicts.ts [--changes=10000] [--environments=30] [--targets=500] [--runs=7]
import { performance } from "node:perf_hooks";
import { conflictConditions } from "../../src/calendar/conflict-condition.js";
import { detectConflicts, overlappingChanges } from "../../src/calendar/conflicts.js";
import type {
  CalendarEnvironment,
  CalendarInputs,
  CalendarTask,
  PlannedChange,
} from "../../src/calendar/inputs.js";
import { buildCalendar } from "../../src/calendar/model.js";
import { renderIcs } from "../../src/calendar/ics.js";

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg === undefined ? fallback : Number(arg.slice(name.length + 3));
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number`);
  return value;
}

const N = flag("changes", 10_000);
const ENVS = flag("environments", 30);
const TARGETS = flag("targets", 500);
const RUNS = flag("runs", 7);
const HOUR = 3_600_000;
const BASE = Date.parse("2027-01-04T00:00:00Z");

let seed = 20261206;
const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const iso = (ms: number): string => new Date(ms).toISOString();

/** N changes over 90 days, in working hours, 1-4 h long, across ENVS environments; half bound to one of TARGETS. */
function world(): CalendarInputs {
  const changes: PlannedChange[] = [];
  const tasks: CalendarTask[] = [];
  for (let i = 0; i < N; i++) {
    const day = Math.floor(rand() * 90);
    const start = BASE + day * 24 * HOUR + (8 + Math.floor(rand() * 9)) * HOUR;
    const end = start + (1 + Math.floor(rand() * 4)) * HOUR;
    const ns = `team-${i % 50}`;
    const env = `env-${Math.floor(rand() * ENVS)}`;
    changes.push({
      metadata: { name: `change-${i}`, namespace: ns, uid: `uid-${i}` },
      spec: {
        releaseRef: { name: `release-${i}` },
        environment: env,
        type: "Normal",
        plannedWindow: { start: iso(start), end: iso(end) },
        ...(rand() < 0.5
          ? {
              binding: {
                target: {
                  kind: "Application",
                  namespace: "argocd",
                  name: `app-${Math.floor(rand() * TARGETS)}`,
                },
              },
            }
          : {}),
      },
    });
    if (i % 2 === 0) {
      tasks.push({
        metadata: { name: `prep-${i}`, namespace: ns, uid: `task-${i}` },
        spec: { type: "Checklist", title: "Prepare", releaseRef: { name: `release-${i}` }, environment: env },
        status: { dueAt: iso(start + (rand() < 0.05 ? HOUR : -24 * HOUR)) },
      });
    }
  }
  const environments: CalendarEnvironment[] = Array.from({ length: ENVS }, (_, e) => ({
    metadata: { name: `env-${e}` },
    spec: {
      gate: {
        windows: [{ name: "weekdays", schedule: "0 8 * * 1-5", duration: "10h", timeZone: "Europe/Berlin" }],
        freezes: [
          {
            name: "weekend",
            schedule: "0 18 * * 5",
            duration: "62h",
            timeZone: "Europe/Berlin",
            reason: "weekend",
          },
          {
            name: "quarter-end",
            start: iso(BASE + 80 * 24 * HOUR),
            end: iso(BASE + 83 * 24 * HOUR),
            reason: "close",
          },
        ],
      },
    },
  }));
  return { changes, tasks, environments, namespaceLabels: new Map() };
}

/** The naive check the sweep replaces: every pair of changes, same environment or target, windows overlapping. */
function allPairs(changes: readonly PlannedChange[]): number {
  const rows = changes.map((c) => ({
    env: c.spec.environment,
    target: c.spec.binding?.target.name,
    start: Date.parse(c.spec.plannedWindow.start),
    end: Date.parse(c.spec.plannedWindow.end),
  }));
  let found = 0;
  for (let i = 0; i < rows.length; i++) {
    const a = rows[i]!;
    for (let j = i + 1; j < rows.length; j++) {
      const b = rows[j]!;
      if (a.env !== b.env && (a.target === undefined || a.target !== b.target)) continue;
      if (a.start < b.end && b.start < a.end) found++;
    }
  }
  return found;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

const inputs = world();
const rows: [string, number[], string][] = [
  ["baseline: sort the changes by start", [], ""],
  ["sweep: overlapping changes (env + target)", [], ""],
  ["sweep: every conflict kind + conditions", [], ""],
  ["naive: all pairs (overlaps only)", [], ""],
  ["calendar: 14 days built + rendered as .ics", [], ""],
];
for (let run = 0; run < RUNS + 1; run++) {
  const sorted = time(
    () =>
      inputs.changes
        .map((c) => ({ c, start: Date.parse(c.spec.plannedWindow.start) }))
        .sort((a, b) => a.start - b.start).length,
  );
  const overlaps = time(() => overlappingChanges(inputs.changes).length);
  const every = time(() => conflictConditions(detectConflicts(inputs)).size);
  const naive = time(() => allPairs(inputs.changes));
  const since = new Date(BASE + 30 * 24 * HOUR);
  const cal = time(
    () =>
      renderIcs(
        buildCalendar(inputs, { since, until: new Date(since.getTime() + 14 * 24 * HOUR) }).events,
        since,
      ).length,
  );
  if (naive.value !== overlaps.value)
    throw new Error(`the sweep found ${overlaps.value} overlaps, all pairs ${naive.value}`);
  if (run === 0) {
    rows[1]![2] = `${overlaps.value} overlapping pairs`;
    rows[2]![2] = `${every.value} objects with a condition`;
    rows[3]![2] = `${naive.value} pairs (must equal the sweep's)`;
    rows[4]![2] = `${cal.value} bytes`;
    continue; // warm-up
  }
  for (const [i, m] of [sorted, overlaps, every, naive, cal].entries()) rows[i]![1].push(m.ms);
}
const base = median(rows[0]![1]);
process.stdout.write(
  `Calendar conflicts: ${N} planned changes, ${inputs.tasks.length} tasks, ${ENVS} environments, ${TARGETS} targets; ` +
    `median of ${RUNS} runs after one warm-up (node ${process.version}).\n\n`,
);
process.stdout.write("| row | median ms | x baseline | found |\n| --- | ---: | ---: | --- |\n");
for (const [name, values, note] of rows) {
  const m = median(values);
  process.stdout.write(`| ${name} | ${m.toFixed(1)} | ${(m / base).toFixed(1)} | ${note} |\n`);
}
