import type { CliIo } from "./verb.js";

/** Shown in a table cell whose value is not known yet (e.g. a risk class before the operator assessed it). */
export const UNSET = "-";

/**
 * Formats rows as kubectl does: upper-case headers, columns padded to their widest cell and separated by three
 * spaces, no trailing blanks.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("   ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n") + "\n";
}

/** Writes a value as indented JSON followed by a newline, the `-o json` form of every verb. */
export function writeJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
