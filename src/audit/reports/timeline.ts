import type { ExportedEntry } from "../export/sources.js";
import type { StoredAuditEntry } from "../entry.js";

/** One line of a report's timeline: an entry as a reader scans it. */
export interface TimelineRow {
  time: string;
  actor: string;
  action: string;
  object: string;
  summary: string;
  /** False when the entry comes after its trail's first bad line: the chain does not vouch for it. */
  vouched: boolean;
  source: string;
  seq: number;
}

const SUMMARY_CHARS = 400;

/** The sentence a timeline shows for an entry: its recorded message, else its scalar details as `key: value`. */
export function summarise(entry: StoredAuditEntry): string {
  const message = entry.details.message;
  if (typeof message === "string") return clip(message);
  const parts = Object.entries(entry.details).flatMap(([key, value]) =>
    typeof value === "string" || typeof value === "number" || typeof value === "boolean"
      ? [`${key}: ${String(value)}`]
      : [],
  );
  return clip(parts.join("; "));
}

function clip(text: string): string {
  return text.length <= SUMMARY_CHARS ? text : `${text.slice(0, SUMMARY_CHARS)}…`;
}

/** The timeline rows of the given entries, in the order given (the merged trails' time order). */
export function timelineOf(items: readonly ExportedEntry[]): TimelineRow[] {
  return items.map(({ entry, verified, source }) => ({
    time: entry.time,
    actor: entry.actor,
    action: entry.action,
    object: `${entry.object.kind} ${entry.object.namespace === undefined ? "" : `${entry.object.namespace}/`}${entry.object.name}`,
    summary: summarise(entry),
    vouched: verified,
    source,
    seq: entry.seq,
  }));
}
