import { printableText } from "../runtime/printable-text.js";
import type { CalendarEvent } from "./event.js";

/** The domain of every UID the feed writes, so UIDs are globally unique (RFC 5545 section 3.8.4.7). */
const UID_DOMAIN = "stagegate.io";

/**
 * Escapes a TEXT value (RFC 5545 section 3.3.11): backslash, semicolon, comma and newlines; control characters and
 * terminal escapes (which no calendar shows) are removed first.
 */
export function escapeText(text: string): string {
  return printableText(text)
    .replace(/\\/g, "\\\\")
    .replace(/;/g, "\\;")
    .replace(/,/g, "\\,")
    .replace(/\n/g, "\\n");
}

/**
 * Folds a content line at 75 octets (RFC 5545 section 3.1): continuation lines start with one space, and a fold
 * never splits a UTF-8 character.
 */
export function foldLine(line: string): string {
  if (line.length <= 75 && Buffer.byteLength(line, "utf8") <= 75) return line;
  const parts: string[] = [];
  let from = 0;
  let octets = 0;
  let limit = 75;
  for (let i = 0; i < line.length;) {
    const cp = line.codePointAt(i) ?? 0;
    const units = cp > 0xffff ? 2 : 1;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (octets + size > limit) {
      parts.push(line.slice(from, i));
      from = i;
      octets = 0;
      limit = 74;
    }
    octets += size;
    i += units;
  }
  parts.push(line.slice(from));
  return parts.join("\r\n ");
}

/** A UTC DATE-TIME (form #2 of RFC 5545 section 3.3.5): 20261206T193000Z. */
export function formatDateTime(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/** A UID safe to put in a property value: the event's uid with anything unusual replaced. */
function uidOf(event: CalendarEvent): string {
  return `${event.uid.replace(/[^A-Za-z0-9._\-/:]/g, "_")}@${UID_DOMAIN}`;
}

const CATEGORY: Record<CalendarEvent["kind"], string> = {
  Change: "CHANGE",
  DeploymentWindow: "DEPLOYMENT-WINDOW",
  Freeze: "FREEZE",
  TaskDue: "TASK-DUE",
};

/**
 * Renders events as an RFC 5545 VCALENDAR: one VEVENT per occurrence with a stable UID, DTSTAMP (the time of
 * rendering), DTSTART/DTEND in UTC (an instant lasts zero seconds), SUMMARY, DESCRIPTION and CATEGORIES; TEXT
 * escaped, lines folded at 75 octets, CRLF line ends.
 */
export function renderIcs(events: readonly CalendarEvent[], now: Date, name = "Stagegate"): string {
  const stamp = formatDateTime(now);
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Stagegate//Calendar//EN",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    `X-WR-CALNAME:${escapeText(name)}`,
  ];
  for (const event of events) {
    lines.push(
      "BEGIN:VEVENT",
      `UID:${uidOf(event)}`,
      `DTSTAMP:${stamp}`,
      `DTSTART:${formatDateTime(event.start)}`,
      `DTEND:${formatDateTime(event.end)}`,
      `SUMMARY:${escapeText(event.summary)}`,
      `DESCRIPTION:${escapeText(event.description)}`,
      `CATEGORIES:${CATEGORY[event.kind]}`,
      ...(event.kind === "Freeze" || event.kind === "Change" ? ["TRANSP:OPAQUE"] : ["TRANSP:TRANSPARENT"]),
      "END:VEVENT",
    );
  }
  lines.push("END:VCALENDAR");
  return lines.map(foldLine).join("\r\n") + "\r\n";
}
