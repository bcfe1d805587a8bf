import { writeFile } from "node:fs/promises";
import { dimensionsOf } from "../../api/v1alpha1/dimensions.js";
import { conflictConditions, partyKey } from "../../calendar/conflict-condition.js";
import { detectConflicts } from "../../calendar/conflicts.js";
import type { CalendarEvent } from "../../calendar/event.js";
import { renderIcs } from "../../calendar/ics.js";
import type { CalendarInputs } from "../../calendar/inputs.js";
import { buildCalendar } from "../../calendar/model.js";
import { readCalendarInputs, type ReadResult, type Refusal } from "../../calendar/read.js";
import { selects } from "../../insights/selector.js";
import { formatTimestamp } from "../../runtime/duration.js";
import { CommandError, explainApiErrors } from "../errors.js";
import { formatFlags } from "../flags.js";
import { withSession } from "../kube-session.js";
import { formatTable, writeJson } from "../output.js";
import { EXIT, type Verb } from "../verb.js";
import { CALENDAR_FLAGS, parseCalendarArgs, resolveRange, type CalendarOptions } from "./calendar-options.js";

/** The `-o json` shape of one event. */
interface EventJson {
  uid: string;
  kind: CalendarEvent["kind"];
  start: string;
  end: string;
  environment: string | null;
  summary: string;
  description: string;
  source: CalendarEvent["source"];
}

/** Keeps the changes and tasks the filters select (environment, dimension selector) and every Environment asked for. */
function filterInputs(read: ReadResult, options: CalendarOptions): CalendarInputs {
  const { inputs, labels } = read;
  const wanted = (kind: string, ns: string | undefined, name: string): boolean =>
    selects(options.selector, dimensionsOf(labels.get(`${kind}/${ns ?? ""}/${name}`)));
  const env = options.environment;
  return {
    ...inputs,
    environments: inputs.environments.filter((e) => env === undefined || e.metadata.name === env),
    changes: inputs.changes.filter(
      (c) =>
        (env === undefined || c.spec.environment === env) &&
        wanted("ChangeRequest", c.metadata.namespace, c.metadata.name),
    ),
    tasks: inputs.tasks.filter(
      (t) =>
        (env === undefined || t.spec.environment === env) &&
        wanted("DeploymentTask", t.metadata.namespace, t.metadata.name),
    ),
  };
}

function refusalLine(r: Refusal): string {
  const where = r.namespace === undefined ? "" : ` in namespace "${r.namespace}"`;
  return `Could not read ${r.resource}${where}: ${r.message}`;
}

function printTable(events: readonly CalendarEvent[]): string {
  return formatTable(
    ["START", "END", "KIND", "ENVIRONMENT", "SUMMARY"],
    events.map((e) => [
      formatTimestamp(e.start),
      e.kind === "TaskDue" ? "-" : formatTimestamp(e.end),
      e.kind,
      e.environment ?? "-",
      e.summary,
    ]),
  );
}

/**
 * `stagegate calendar`: one calendar of planned change windows, deployment windows, freezes and task due times,
 * read as the caller, with the schedule conflicts among what the caller can read. A refused read is named and
 * makes the exit code 1; what could be read is still shown.
 */
export const calendarVerb: Verb<CalendarOptions> = {
  name: "calendar",
  summary: "Show planned changes, deployment windows, freezes and due dates, and their conflicts",
  usage: [
    "Usage: stagegate calendar [--since TIME] [--until TIME] [--environment NAME] [-l SELECTOR] [-A] [-o table|json|ics]",
    "",
    "Lists, in start order, the planned windows of ChangeRequests, the deployment windows and freezes of every",
    "Environment (recurring ones expanded in their time zone) and the due times of open DeploymentTasks, from",
    "--since to --until (default: now to 14 days ahead), then the schedule conflicts of the changes shown: changes planned",
    "in overlapping windows for one environment or target, a planned window inside a freeze, a task due after",
    "the window it prepares. Everything is read as you: a namespace you may not read is named, not skipped.",
    "",
    formatFlags(CALENDAR_FLAGS),
    "",
    "Examples:",
    "  stagegate calendar -A --environment prod",
    "  stagegate calendar --since 2026-12-01T00:00:00Z --until 2027-01-08T00:00:00Z -o ics --file freeze.ics",
  ].join("\n"),

  parse: parseCalendarArgs,

  async run(options, io) {
    const now = io.now();
    const range = resolveRange(options, now);
    const read = await withSession(io, options.kubeconfig, (session) =>
      explainApiErrors("read the calendar", () =>
        readCalendarInputs(
          session.client,
          options.allNamespaces
            ? { all: true }
            : { all: false, names: [options.namespace ?? session.namespace] },
        ),
      ),
    );
    const inputs = filterInputs(read, options);
    const calendar = buildCalendar(inputs, range);
    // The conflicts of the changes on this calendar (a change planned outside the range is not shown, nor its clashes).
    const shown = new Set(
      calendar.events.flatMap((e) =>
        e.kind === "Change" ? [`ChangeRequest/${e.source.namespace ?? ""}/${e.source.name}`] : [],
      ),
    );
    const inRange = detectConflicts({ ...inputs, operatorIdentity: options.operatorUsername }).filter((c) =>
      c.parties.some((p) => p.kind === "ChangeRequest" && shown.has(partyKey(p))),
    );
    const conflicts = [...conflictConditions(inRange).entries()]
      .map(([object, c]) => ({ object, reason: c.reason, message: c.message }))
      .sort((a, b) => (a.object < b.object ? -1 : a.object > b.object ? 1 : 0));
    for (const r of read.refused) io.stderr(`${refusalLine(r)}\n`);
    for (const n of calendar.notes) io.stderr(`${n.message}\n`);

    if (options.format === "ics") {
      const text = renderIcs(calendar.events, now);
      if (options.file === undefined) io.stdout(text);
      else {
        try {
          await writeFile(options.file, text, { mode: 0o600 });
        } catch (err) {
          throw new CommandError(`Could not write ${options.file}: ${(err as Error).message}`);
        }
        io.stderr(`Wrote ${calendar.events.length} events to ${options.file}.\n`);
      }
    } else if (options.format === "json") {
      writeJson(io, {
        since: formatTimestamp(range.since),
        until: formatTimestamp(range.until),
        events: calendar.events.map((e): EventJson => ({
          uid: e.uid,
          kind: e.kind,
          start: formatTimestamp(e.start),
          end: formatTimestamp(e.end),
          environment: e.environment ?? null,
          summary: e.summary,
          description: e.description,
          source: e.source,
        })),
        conflicts,
        notes: calendar.notes.map((n) => n.message),
        refused: read.refused,
      });
    } else {
      if (calendar.events.length === 0) {
        io.stderr(
          `Nothing on the calendar from ${formatTimestamp(range.since)} to ${formatTimestamp(range.until)}.\n`,
        );
      } else io.stdout(printTable(calendar.events));
      if (conflicts.length > 0) {
        io.stdout(
          `\nSchedule conflicts:\n${formatTable(
            ["OBJECT", "REASON", "MESSAGE"],
            conflicts.map((c) => [c.object, c.reason, c.message]),
          )}`,
        );
      }
    }
    return read.refused.length > 0 ? EXIT.failed : EXIT.ok;
  },
};
