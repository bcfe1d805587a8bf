// The shipped Grafana dashboard queries only metrics the operator exports: every metric name in every panel's
// PromQL is checked against what a running operator's /metrics lists (histograms as their _bucket, _sum and _count).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { metricsText, type MetricsEndpoint } from "../support/operator-metrics.js";

const DASHBOARD = new URL("../../config/grafana/stagegate-dashboard.json", import.meta.url);

const Target = z.object({ expr: z.string() });
const Panel = z.object({ title: z.string(), targets: z.array(Target).optional() });
const Dashboard = z.object({
  panels: z.array(Panel),
  templating: z.object({ list: z.array(z.object({ query: z.unknown().optional() })) }),
});

// PromQL words that are not metric names: functions, aggregations, keywords and the label names used with them.
const NOT_METRICS = new Set([
  "sum",
  "max",
  "min",
  "by",
  "rate",
  "increase",
  "histogram_quantile",
  "le",
  "environment",
  "phase",
  "category",
  "team",
  "controller",
  "name",
  "label_values",
  "outcome",
  "and",
  "or",
  "unless",
  "without",
  "on",
  "ignoring",
]);

/** The metric names a PromQL expression reads (label matchers, strings and durations left out). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/\{[^}]*\}/g, "")
    .replace(/"[^"]*"/g, "")
    .replace(/\[[^\]]*\]/g, "");
  return [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b/g)]
    .map((m) => m[1] ?? "")
    .filter((word) => !NOT_METRICS.has(word) && !/^\d/.test(word));
}

/** The metric names an exposition lists, with each histogram's and summary's series names. */
function exported(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name = "", type] = match;
    names.add(name);
    if (type === "histogram" || type === "summary") {
      for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${name}${suffix}`);
    }
  }
  return names;
}

/** Fails naming each panel whose query reads a metric the operator at `endpoint` does not export. */
export async function checkDashboardMetrics(endpoint: MetricsEndpoint): Promise<void> {
  const dashboard = Dashboard.parse(JSON.parse(readFileSync(DASHBOARD, "utf8")));
  const available = exported(await metricsText(endpoint));
  const queries = dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
  );
  for (const variable of dashboard.templating.list) {
    const query = z.object({ query: z.string() }).safeParse(variable.query);
    if (query.success) queries.push({ panel: "a template variable", expr: query.data.query });
  }
  assert.ok(queries.length >= 10, `the dashboard has ${queries.length} queries`);
  const missing = queries.flatMap(({ panel, expr }) =>
    metricNames(expr)
      .filter((name) => !available.has(name))
      .map((name) => `${panel}: ${name}`),
  );
  assert.deepEqual(missing, [], "every metric the dashboard queries is one the operator exports");
}
