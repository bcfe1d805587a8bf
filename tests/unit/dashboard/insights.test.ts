// The insights page's query and its SVG charts: bad parameters are named; bars carry their values as text,
// series are told apart by patterns named in a legend, and what people wrote is escaped.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderBarChart } from "../../../src/dashboard/bar-chart.js";
import { gateWaitChart, parseInsightsQuery } from "../../../src/dashboard/insights-page.js";
import { BadFilterError } from "../../../src/dashboard/selector.js";

describe("parseInsightsQuery", () => {
  it("defaults to the last 90 days and every release", () => {
    const query = parseInsightsQuery(new URLSearchParams(""));
    assert.equal(query.days, 90);
    assert.equal(query.selector.requirements.length, 0);
  });

  it("reads days and a selector over the recorded dimensions", () => {
    const query = parseInsightsQuery(new URLSearchParams("days=30&selector=team%3Dpayments"));
    assert.equal(query.days, 30);
    assert.equal(query.selector.requirements.length, 1);
  });

  const refused: [string, RegExp][] = [
    ["days=0", /days "0" is not a whole number of days from 1 to 366/],
    ["days=367", /days "367"/],
    ["days=1e2", /days "1e2"/],
    ["days=5&days=6", /at most once/],
    ["selector=owner%3Dme", /^selector: /],
    ["env=prod&since=x", /unknown query parameters "env", "since"/],
  ];
  for (const [text, message] of refused) {
    it(`refuses ?${text}`, () => {
      assert.throws(
        () => parseInsightsQuery(new URLSearchParams(text)),
        (err: unknown) => err instanceof BadFilterError && message.test(err.message),
      );
    });
  }
});

describe("renderBarChart", () => {
  const svg = renderBarChart({
    id: "waits",
    title: "Where <releases> wait",
    description: "Total time per phase.",
    bars: [
      { label: "prod", value: 100, display: "1m40s", series: "approval" },
      { label: "prod", value: 50, display: "50s", series: "deploying" },
      { label: "<script>", value: 0, display: "0s", series: "approval" },
    ],
  });

  it("names the chart and each bar with its value and series, and lets each bar take focus", () => {
    assert.match(svg, /aria-labelledby="waits-title waits-desc"/);
    assert.match(svg, /<title id="waits-title">Where &lt;releases&gt; wait<\/title>/);
    assert.equal((svg.match(/tabindex="0"/g) ?? []).length, 3);
    assert.match(svg, /aria-label="prod: 1m40s \(approval\)"/);
    assert.match(svg, />1m40s · approval</);
  });

  it("draws bars in proportion, a zero as a hairline, and series with patterns named in the legend", () => {
    assert.match(svg, /width="380" height="18" fill="url\(#waits-solid\)"/);
    assert.match(svg, /width="190" height="18" fill="url\(#waits-hatch\)"/);
    assert.match(svg, /width="1" height="18" fill="url\(#waits-solid\)"/);
    assert.match(svg, /Patterns: approval = solid; deploying = hatch\./);
  });

  it("escapes labels", () => {
    assert.doesNotMatch(svg, /<script>/);
    assert.match(svg, /&lt;script&gt;/);
  });
});

describe("gateWaitChart", () => {
  const summary = (totalSeconds: number, count = 1) => ({
    count,
    medianSeconds: totalSeconds / count,
    p90Seconds: totalSeconds / count,
    totalSeconds,
  });
  const gate = {
    environment: "prod",
    group: undefined,
    phase: "gate" as const,
    ...summary(3000, 2),
    gateSplit: { checks: summary(600), approvals: summary(2100, 2), unexplained: summary(300, 2) },
    longestWait: "approvals" as const,
  };

  it("charts each gate's wait by recorded category, the largest first, naming each category on its bar", () => {
    const svg = gateWaitChart([gate, { ...gate, phase: "deploying", gateSplit: undefined }]) ?? "";
    const names = [...svg.matchAll(/aria-label="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(names, [
      "prod: 35m00s total over 2 (approvals)",
      "prod: 10m00s total over 1 (checks)",
      "prod: 5m00s total over 2 (unexplained)",
    ]);
    assert.match(svg, /id="gate-waits"/);
  });

  it("draws nothing when no gate wait is on record", () => {
    assert.equal(gateWaitChart([{ ...gate, gateSplit: {} }]), undefined);
  });
});
