import type { CheckResult, CheckStatus, CheckSummary } from "./check-result.js";

/** The mark before each check, as linkerd check prints them. */
export const STATUS_MARK: Record<CheckStatus, string> = {
  pass: "✓",
  warn: "‼",
  fail: "✗",
  unknown: "?",
  error: "!",
};

/** What `-o json` prints. */
export interface CheckReport {
  server: string;
  operatorNamespace: string;
  /** False when any check failed or could not run (the exit status is then 1). */
  ok: boolean;
  summary: CheckSummary;
  checks: CheckResult[];
}

/** The closing line: the counts, and whether Stagegate can keep its promise here. */
export function formatSummary(summary: CheckSummary): string {
  const counts =
    `${summary.passed} passed, ${summary.failed} failed, ${summary.warnings} ` +
    `${summary.warnings === 1 ? "warning" : "warnings"}, ${summary.unknown} unknown` +
    (summary.errors === 0 ? "" : `, ${summary.errors} could not run`);
  if (summary.failed > 0) return `${counts}. Stagegate cannot keep its promise here: fix what failed above.`;
  if (summary.errors > 0) {
    return `${counts}. Not everything could be checked: run it as the fixes above say, then again.`;
  }
  if (summary.warnings + summary.unknown > 0) {
    return `${counts}. Nothing failed; read the warnings and what could not be observed above.`;
  }
  return `${counts}. Stagegate can keep its promise here.`;
}

/**
 * The human report: one line per check (mark, name, message), its details indented below, then `fix:` for
 * anything not passing, and the summary line.
 */
export function formatCheckReport(report: CheckReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines = [
    `stagegate check: API server ${report.server}, operator namespace ${report.operatorNamespace}`,
    "",
  ];
  for (const check of report.checks) {
    lines.push(`${STATUS_MARK[check.status]} ${check.name.padEnd(width)}  ${check.message}`);
    const indent = " ".repeat(width + 4);
    for (const detail of check.details) lines.push(`${indent}- ${detail}`);
    if (check.status !== "pass" && check.fix !== undefined) lines.push(`${indent}fix: ${check.fix}`);
  }
  lines.push("", formatSummary(report.summary));
  return `${lines.join("\n")}\n`;
}
