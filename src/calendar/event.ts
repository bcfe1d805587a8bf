/**
 * One entry of the Stagegate calendar: a planned change window, an occurrence of a deployment window or a
 * freeze, or a task's due time. Every field comes from the API objects as the server returned them.
 */
export type CalendarEventKind = "Change" | "DeploymentWindow" | "Freeze" | "TaskDue";

/** The object an event was read from, so a person (or a conflict condition) can find it. */
export interface EventSource {
  kind: "ChangeRequest" | "Environment" | "DeploymentTask";
  namespace?: string | undefined;
  name: string;
  uid?: string | undefined;
}

/** One occurrence in [start, end); a due time is an instant (start equals end). */
export interface CalendarEvent {
  /** Stable across reads: the same occurrence of the same object always has the same uid (the iCalendar UID). */
  uid: string;
  kind: CalendarEventKind;
  start: Date;
  end: Date;
  /** The Environment the event belongs to, when it names one. */
  environment?: string | undefined;
  /** One line: what happens. */
  summary: string;
  /** More lines: why, which artifacts, which state. */
  description: string;
  source: EventSource;
}

/** Orders events by start, then end, then uid, so every rendering lists them the same way. */
export function compareEvents(a: CalendarEvent, b: CalendarEvent): number {
  return (
    a.start.getTime() - b.start.getTime() ||
    a.end.getTime() - b.end.getTime() ||
    (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0)
  );
}

/** The half-open range a calendar covers; an event is in it when it overlaps [since, until). */
export interface CalendarRange {
  since: Date;
  until: Date;
}

/** Whether [start, end) overlaps the range; an instant (start equals end) is in it when since <= start < until. */
export function overlapsRange(start: Date, end: Date, range: CalendarRange): boolean {
  const s = start.getTime();
  const e = end.getTime();
  if (s === e) return range.since.getTime() <= s && s < range.until.getTime();
  return s < range.until.getTime() && range.since.getTime() < e;
}
