import { bottlenecks, type BottleneckRow } from "../insights/measures/bottlenecks.js";
import { doraMeasures, type DoraRow } from "../insights/measures/dora.js";
import { GATE_PARTS } from "../insights/measures/gate-split.js";
import type { InsightScope } from "../insights/measures/period.js";
import { collectPromotions } from "../insights/measures/promotions.js";
import { humanDuration } from "../insights/render.js";
import { parseSelector, SelectorError, type DimensionSelector } from "../insights/selector.js";
import { renderBarChart, type Bar } from "./bar-chart.js";
import { FeedError, MAX_FEED_ENTRIES } from "./feed-client.js";
import { layout, resultPage, type Page } from "./pages.js";
import { BadFilterError } from "./selector.js";
import type { Session } from "./sessions.js";
import { templates } from "./templates.js";

/** What the insights page is asked for: the last `days` days, and a selector over the recorded dimensions. */
export interface InsightsQuery {
  days: number;
  selector: DimensionSelector;
}

/**
 * Reads the page's query: only `days` (1 to 366, default 90) and `selector` (kubectl `-l` syntax over the recorded
 * dimensions, as `stagegate insights -l`); anything else is a {@link BadFilterError} naming it (answered with 400).
 */
export function parseInsightsQuery(query: URLSearchParams): InsightsQuery {
  const unknown = [...new Set([...query.keys()].filter((key) => key !== "days" && key !== "selector"))];
  if (unknown.length > 0) {
    throw new BadFilterError(
      `unknown query parameter${unknown.length === 1 ? "" : "s"} ${unknown.map((k) => `"${k}"`).join(", ")}; ` +
        "this page takes days and selector.",
    );
  }
  if (query.getAll("days").length > 1 || query.getAll("selector").length > 1) {
    throw new BadFilterError("give days and selector at most once each.");
  }
  const daysText = query.get("days") ?? "90";
  const days = /^\d{1,3}$/.test(daysText) ? Number(daysText) : Number.NaN;
  if (!(days >= 1 && days <= 366)) {
    throw new BadFilterError(`days "${daysText}" is not a whole number of days from 1 to 366.`);
  }
  try {
    return { days, selector: parseSelector(query.get("selector") ?? undefined) };
  } catch (error) {
    if (error instanceof SelectorError) throw new BadFilterError(`selector: ${error.message}`);
    throw error;
  }
}

const duration = (seconds: number | null): string => (seconds === null ? "none" : humanDuration(seconds));

const label = (row: { environment: string; group: string | undefined }): string =>
  row.group === undefined ? row.environment : `${row.environment} (${row.group})`;

/** The DORA charts: deployments per day, median lead time, change failure rate, median time to restore. */
export function doraCharts(rows: readonly DoraRow[], days: number): string[] {
  const chart = (id: string, title: string, description: string, bars: Bar[]): string =>
    renderBarChart({ id, title, description, bars });
  return [
    chart(
      "dora-frequency",
      "Deployment frequency",
      `Promotions verified per day in each environment over the last ${days} days.`,
      rows.map((r) => ({
        label: label(r),
        value: r.deploymentsPerDay,
        display: `${r.deploymentsPerDay.toFixed(2)}/day (${r.deployments})`,
      })),
    ),
    chart(
      "dora-lead-time",
      "Lead time (median)",
      "Median time from the release's first record to verified in each environment.",
      rows.map((r) => ({
        label: label(r),
        value: r.leadTime.medianSeconds ?? 0,
        display: duration(r.leadTime.medianSeconds),
      })),
    ),
    chart(
      "dora-failure-rate",
      "Change failure rate",
      "Promotions that failed or were rolled back, of those that ended, in each environment.",
      rows.map((r) => ({
        label: label(r),
        value: r.changeFailureRate ?? 0,
        display:
          r.changeFailureRate === null
            ? "none ended"
            : `${Math.round(r.changeFailureRate * 100)}% (${r.failures} of ${r.ended})`,
      })),
    ),
    chart(
      "dora-restore",
      "Time to restore (median)",
      "Median time from a rollback opened to restored, in each environment.",
      rows.map((r) => ({
        label: label(r),
        value: r.timeToRestore.medianSeconds ?? 0,
        display: duration(r.timeToRestore.medianSeconds),
      })),
    ),
  ];
}

/** The bottleneck chart: total time promotions spent in each phase of each environment, the largest first. */
export function bottleneckChart(rows: readonly BottleneckRow[]): string {
  return renderBarChart({
    id: "bottlenecks",
    title: "Where releases wait",
    description:
      "Total time promotions spent in each phase (gate, approval, deploying, verifying) of each environment; the " +
      "largest first. Each bar names its phase; the pattern repeats it.",
    bars: rows.slice(0, 20).map((r) => ({
      label: label(r),
      value: r.totalSeconds,
      display: `${humanDuration(r.totalSeconds)} total, median ${duration(r.medianSeconds)} over ${r.count}`,
      series: r.phase,
    })),
  });
}

/**
 * The gate-wait chart: each environment's gate wait split by what the gate waited on (ADR 0053), the total per
 * category, the largest first; `unexplained` is the wait no record explains. Undefined when no gate was waited at.
 */
export function gateWaitChart(rows: readonly BottleneckRow[]): string | undefined {
  const bars = rows
    .filter((r) => r.phase === "gate")
    .flatMap((r) =>
      GATE_PARTS.flatMap((part) => {
        const spent = r.gateSplit?.[part];
        return spent === undefined || spent.totalSeconds <= 0
          ? []
          : [
              {
                label: label(r),
                value: spent.totalSeconds,
                display: `${humanDuration(spent.totalSeconds)} total over ${spent.count}`,
                series: part,
              },
            ];
      }),
    )
    .sort((a, b) => b.value - a.value)
    .slice(0, 20);
  if (bars.length === 0) return undefined;
  return renderBarChart({
    id: "gate-waits",
    title: "What the gates waited on",
    description:
      "Total time each environment's gate waited on checks, approvals, a window, a freeze, a lock, the stage " +
      "before or a refusal, as the operator recorded each change; unexplained is the wait no record explains. " +
      "The largest first; each bar names its category.",
    bars,
  });
}

/**
 * DORA measures and bottlenecks over the last days, computed by the same code as `stagegate insights` from the
 * verified audit trail read through the operator's feed with the user's token (entries the chain does not vouch
 * for are counted, never used). Without a feed, or when the feed refuses, the page says so in words.
 */
export async function insightsPage(session: Session, query: InsightsQuery, now: Date): Promise<Page> {
  if (session.feed === undefined) {
    return resultPage(
      503,
      "No audit feed configured",
      "This dashboard has no audit feed configured (--audit-feed-url), so it cannot chart delivery: the measures " +
        "come only from the verified audit trail. Run `stagegate insights dora` over the trail instead.",
      session,
    );
  }
  let read;
  try {
    read = await session.feed([{}]);
  } catch (error) {
    if (!(error instanceof FeedError) || error.status === 401) throw error;
    const refused = error.status === 403;
    return resultPage(
      refused ? 403 : 503,
      refused ? "The audit feed refused" : "The audit feed failed",
      refused
        ? `${error.message} Delivery measures need the right to list auditrecords.stagegate.io (the ` +
            "stagegate-auditor ClusterRole)."
        : error.message,
      session,
    );
  }
  const vouched = read.items.filter((i) => i.verified).map((i) => i.entry);
  const unvouched = read.items.length - vouched.length;
  const scope: InsightScope = {
    since: new Date(now.getTime() - query.days * 86_400_000),
    until: undefined,
    selector: query.selector,
    by: undefined,
  };
  const promotions = collectPromotions(vouched);
  const dora = doraMeasures(scope, promotions);
  const waits = bottlenecks(scope, promotions);
  const notices = [
    ...(read.chain.intact
      ? []
      : [
          `CHAIN BROKEN: the audit trail ${read.source} did not verify; ${unvouched} entries from the first bad one ` +
            "on are not counted.",
        ]),
    ...(read.truncated
      ? [`The record is larger than ${MAX_FEED_ENTRIES} entries; only the first ones were read.`]
      : []),
  ];
  const body = templates.insights({
    days: query.days,
    selector: query.selector.text,
    notices,
    source: read.source,
    verifiedThrough: read.chain.verifiedThrough,
    dora: dora.map((r) => ({
      label: label(r),
      deployments: r.deployments,
      perDay: r.deploymentsPerDay.toFixed(2),
      leadTime: duration(r.leadTime.medianSeconds),
      failureRate: r.changeFailureRate === null ? "none ended" : `${Math.round(r.changeFailureRate * 100)}%`,
      restore: duration(r.timeToRestore.medianSeconds),
    })),
    doraCharts: dora.length === 0 ? [] : doraCharts(dora, query.days),
    bottleneckChart: waits.length === 0 ? undefined : bottleneckChart(waits),
    gateWaitChart: gateWaitChart(waits),
  });
  return { status: 200, html: layout("Delivery insights", body, session, { onInsights: true }) };
}
