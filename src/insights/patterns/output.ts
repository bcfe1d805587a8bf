import type { FailureAnalysis, PatternRow } from "./analysis.js";
import type { GroupRate } from "./wilson.js";

/** A trail's verification as the output names it. */
export interface TrailLine {
  name: string;
  verified: boolean;
  sentence: string;
}

const percent = (value: number | undefined): string =>
  value === undefined ? "" : `${(value * 100).toFixed(1)}%`;

/** `12.5% (95% CI 3.5%-36.0%)`, or `-` for an empty group. */
export function formatRate(group: GroupRate): string {
  if (group.rate === undefined || group.interval === undefined) return "-";
  return `${percent(group.rate)} (95% CI ${percent(group.interval.low)}-${percent(group.interval.high)})`;
}

/** The analysis as one JSON document, with the trails it was read from. */
export function failuresJson(analysis: FailureAnalysis, trails: readonly TrailLine[]): string {
  return `${JSON.stringify({ trails, ...analysis }, null, 2)}\n`;
}

const CSV_HEADER = [
  "pattern",
  "promotions_with",
  "failures_with",
  "rate_with",
  "ci_low_with",
  "ci_high_with",
  "promotions_without",
  "failures_without",
  "rate_without",
  "ci_low_without",
  "ci_high_without",
  "verdict",
  "not_judged",
];

const cell = (value: number | undefined): string => (value === undefined ? "" : value.toFixed(4));

function csvRow(row: PatternRow): string {
  const group = (g: GroupRate): string[] => [
    String(g.promotions),
    String(g.failures),
    cell(g.rate),
    cell(g.interval?.low),
    cell(g.interval?.high),
  ];
  return [row.pattern, ...group(row.with), ...group(row.without), row.verdict, String(row.notJudged)].join(
    ",",
  );
}

/**
 * One CSV row per pattern, a header first. No field needs quoting (ids, numbers and fixed verdict words); lines end
 * in `\n`, as everything the CLI writes to a terminal stream does.
 */
export function failuresCsv(analysis: FailureAnalysis): string {
  return `${[CSV_HEADER.join(","), ...analysis.patterns.map(csvRow)].join("\n")}\n`;
}

/** The analysis as a table and sentences for a terminal. */
export function failuresTable(analysis: FailureAnalysis, trails: readonly TrailLine[]): string {
  const lines: string[] = [];
  for (const trail of trails.filter((t) => !t.verified)) lines.push(`WARNING: ${trail.sentence}`);
  if (analysis.unvouchedEntries > 0) {
    lines.push(
      `WARNING: ${analysis.unvouchedEntries} entries come after a trail's first bad line; the chain does not ` +
        "vouch for them and they are left out of every count.",
    );
  }
  lines.push(
    `Promotions ${analysis.since} to ${analysis.until}: ${analysis.promotions}; failed or rolled back: ` +
      `${analysis.failures.failures} ${formatRate(analysis.failures)} (${analysis.failedDeployments} failed ` +
      `deployments, ${analysis.rollbacks} rollbacks).`,
    `Usual hours: ${analysis.usualHours}. "Shortly before" means within ${analysis.lateWithinMs / 60_000} min. ` +
      `No claim is made from a group of fewer than ${analysis.minimum} promotions.`,
    `Large change set: ${analysis.largeChangeSet}; a promotion whose size the trail does not record is judged ` +
      "neither way (NOT JUDGED).",
    "",
  );
  const header = [
    "PATTERN",
    "WITH",
    "FAILED",
    "RATE WITH",
    "WITHOUT",
    "FAILED",
    "RATE WITHOUT",
    "VERDICT",
    "NOT JUDGED",
  ];
  const rows = analysis.patterns.map((r) => [
    r.pattern,
    String(r.with.promotions),
    String(r.with.failures),
    formatRate(r.with),
    String(r.without.promotions),
    String(r.without.failures),
    formatRate(r.without),
    r.verdict,
    String(r.notJudged),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  for (const row of [header, ...rows]) {
    lines.push(
      row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    );
  }
  if (analysis.unrecorded.length > 0) lines.push("", "Not recorded in the trail:");
  for (const u of analysis.unrecorded) lines.push(`  ${u.why}.`);
  if (analysis.failed.length > 0) lines.push("", "Failed or rolled-back promotions:");
  for (const f of analysis.failed) {
    lines.push(`  ${f.time} ${f.release} -> ${f.environment} (${f.revision.slice(0, 12)})`);
    for (const e of f.failures) lines.push(`    ${e.action} at ${e.time}: ${e.summary}`);
    for (const p of f.patterns) lines.push(`    pattern ${p.pattern}: ${p.evidence}`);
  }
  return `${lines.join("\n")}\n`;
}
