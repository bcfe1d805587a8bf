/** One output column: its header, how to read it from a row, and whether it is a duration in seconds. */
export interface Column<Row> {
  header: string;
  value(row: Row): string | number | null | undefined;
  /** Seconds: a table shows them as 3m12s, CSV as seconds under `<HEADER>_SECONDS`. */
  duration?: boolean;
  /** Shown only in this format (a table keeps one summary where CSV gives a column each); both when absent. */
  only?: "table" | "csv";
}

/** Seconds as people read them: 9.8s, 3m12s, 2h05m, 3d04h. */
export function humanDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds * 10) / 10}s`;
  const two = (n: number) => String(Math.floor(n)).padStart(2, "0");
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${two(seconds % 60)}s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h${two((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86_400)}d${two((seconds % 86_400) / 3600)}h`;
}

const cell = (value: string | number | null | undefined): string => {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toFixed(3);
  return value;
};

const csvCell = (value: string): string =>
  /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

/** Rows as CSV with a header line (RFC 4180 quoting). */
export function toCsv<Row>(rows: readonly Row[], all: readonly Column<Row>[]): string {
  const columns = all.filter((c) => c.only !== "table");
  const lines = [
    columns.map((c) => csvCell(c.duration === true ? `${c.header}_SECONDS` : c.header)).join(","),
  ];
  for (const row of rows) lines.push(columns.map((c) => csvCell(cell(c.value(row)))).join(","));
  return `${lines.join("\n")}\n`;
}

/** Rows as an aligned text table; says so when there are none. */
export function toTable<Row>(rows: readonly Row[], all: readonly Column<Row>[]): string {
  const columns = all.filter((c) => c.only !== "csv");
  if (rows.length === 0) return "No promotions on record in the period and selection.\n";
  const shown = (c: Column<Row>, r: Row): string => {
    const value = c.value(r);
    return (c.duration === true && typeof value === "number" ? humanDuration(value) : cell(value)) || "-";
  };
  const cells = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => shown(c, r)))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => (line[i] ?? "").length)));
  return `${cells
    .map((line) =>
      line
        .map((v, i) => v.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}
