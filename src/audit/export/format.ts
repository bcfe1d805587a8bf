import { environmentOf } from "./filter.js";
import type { ExportedEntry } from "./sources.js";

/** The columns of a CSV export, in order. */
export const CSV_COLUMNS = [
  "source",
  "seq",
  "time",
  "actor",
  "action",
  "kind",
  "namespace",
  "name",
  "environment",
  "verified",
  "hash",
  "details",
] as const;

/** One exported entry as a JSON line: the entry as written, plus where it came from and whether it is vouched for. */
export function jsonLine(item: ExportedEntry): string {
  return `${JSON.stringify({ source: item.source, verified: item.verified, ...item.entry })}\n`;
}

/** A CSV field, quoted when it holds a comma, quote or line break (RFC 4180); a leading formula sign is defused. */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The CSV header line. */
export function csvHeader(): string {
  return `${CSV_COLUMNS.join(",")}\r\n`;
}

/** One exported entry as a CSV line, details as compact JSON. */
export function csvLine(item: ExportedEntry): string {
  const { entry } = item;
  const cells = [
    item.source,
    String(entry.seq),
    entry.time,
    entry.actor,
    entry.action,
    entry.object.kind,
    entry.object.namespace ?? "",
    entry.object.name,
    environmentOf(entry) ?? "",
    String(item.verified),
    entry.hash,
    JSON.stringify(entry.details),
  ];
  return `${cells.map(csvField).join(",")}\r\n`;
}
