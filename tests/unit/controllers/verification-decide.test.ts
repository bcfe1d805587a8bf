import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VerificationCheck } from "../../../src/api/v1alpha1/verification.js";
import {
  decideVerification,
  recordStep,
  type MeasureStep,
  type VerificationDecision,
} from "../../../src/controllers/verification/decide.js";
import {
  baselineEntry,
  measurementEntry,
  problemEntry,
  type LogEntry,
} from "../../../src/controllers/verification/log-entries.js";
import { verificationSchedule } from "../../../src/controllers/verification/schedule.js";
import { judgeValue } from "../../../src/controllers/verification/threshold.js";
import type { QueryResult } from "../../../src/monitoring/query-result.js";

const STARTED = new Date("2026-11-26T10:00:00Z");
const DEPLOYED = new Date("2026-11-26T10:00:02Z");
const at = (seconds: number): Date => new Date(DEPLOYED.getTime() + seconds * 1_000);
/** Window 10s every 5s: instants +5s and +10s; Prometheus is retried until +15s. */
const SCHEDULE = verificationSchedule(STARTED, DEPLOYED, 10_000, 5_000);

const ERRORS = VerificationCheck.parse({
  name: "error-rate",
  query: "sum(rate(errors[1m])) / sum(rate(requests[1m]))",
  threshold: { max: 0.2 },
  unit: "ratio",
});
const LATENCY = VerificationCheck.parse({
  name: "latency",
  query: "histogram_quantile(0.99, sum by (le) (rate(latency_bucket[1m])))",
  threshold: { relativeTo: "Baseline", max: 1.5 },
  unit: "seconds",
});
const CHECKS = [ERRORS, LATENCY];

const ok = (check: VerificationCheck, seconds: number, value: number, baseline?: number): LogEntry =>
  measurementEntry(check, at(seconds), value, judgeValue(value, check.threshold, baseline), baseline);
const base = (value: number): LogEntry => baselineEntry(LATENCY, STARTED, value);
const decide = (log: LogEntry[], nowSeconds: number): VerificationDecision =>
  decideVerification({ checks: CHECKS, schedule: SCHEDULE, log }, at(nowSeconds));

/** The steps of a Measure decision as `purpose@offset: checks`, to compare in one line. */
function steps(decision: VerificationDecision): string[] {
  assert.equal(decision.kind, "Measure", JSON.stringify(decision));
  return decision.kind !== "Measure"
    ? []
    : decision.steps.map(
        (s) =>
          `${s.purpose}@${(s.at.getTime() - DEPLOYED.getTime()) / 1_000}: ${s.checks.map((c) => c.name).join(",")}`,
      );
}

describe("decideVerification", () => {
  it("measures the baseline first, at once, before any instant is due", () => {
    assert.deepEqual(steps(decide([], 0)), ["Baseline@-2: latency"]);
  });

  it("waits for the first instant once the baseline is logged", () => {
    assert.deepEqual(decide([base(0.3)], 1), { kind: "Wait", until: at(5) });
  });

  it("measures every check at the due instant", () => {
    assert.deepEqual(steps(decide([base(0.3)], 5.01)), ["Measurement@5: error-rate,latency"]);
  });

  it("catches up every instant missed (after a restart), in order, each at its own instant", () => {
    assert.deepEqual(steps(decide([], 12)), [
      "Baseline@-2: latency",
      "Measurement@5: error-rate,latency",
      "Measurement@10: error-rate,latency",
    ]);
  });

  it("never measures an instant already logged, even for one check of two", () => {
    const log = [base(0.3), ok(ERRORS, 5, 0.01), ok(LATENCY, 5, 0.31, 0.3), ok(ERRORS, 10, 0.02)];
    assert.deepEqual(steps(decide(log, 10.5)), ["Measurement@10: latency"]);
  });

  it("ignores other authors' entries and entries of other instants", () => {
    const person: LogEntry = { ...ok(ERRORS, 5, 0.01), author: "erin" };
    const earlier: LogEntry = { ...ok(ERRORS, 5, 0.9), time: "2026-11-25T10:00:07Z" };
    assert.deepEqual(steps(decide([base(0.3), person, earlier], 6)), ["Measurement@5: error-rate,latency"]);
  });

  it("passes once every instant holds a passing measurement of every check, with min and max", () => {
    const log = [
      base(0.3),
      ok(ERRORS, 5, 0.01),
      ok(LATENCY, 5, 0.31, 0.3),
      ok(ERRORS, 10, 0.03),
      ok(LATENCY, 10, 0.29, 0.3),
    ];
    assert.deepEqual(decide(log, 10.5), {
      kind: "Pass",
      summaries: [
        {
          check: "error-rate",
          unit: "ratio",
          count: 2,
          min: 0.01,
          max: 0.03,
          baseline: undefined,
          threshold: "max 0.2",
        },
        {
          check: "latency",
          unit: "seconds",
          count: 2,
          min: 0.29,
          max: 0.31,
          baseline: 0.3,
          threshold: "max 1.5 × baseline 0.3 = 0.45",
        },
      ],
    });
  });

  it("fails at the first measurement beyond its threshold, naming the check, value and threshold", () => {
    const log = [base(0.3), ok(ERRORS, 5, 0.01), ok(LATENCY, 5, 0.6, 0.3)];
    const decision = decide(log, 6);
    assert.equal(decision.kind, "Fail");
    assert.deepEqual(decision.kind === "Fail" ? decision.failure : undefined, {
      check: "latency",
      at: at(5),
      purpose: "Measurement",
      message: "latency measured at 2026-11-26T10:00:07Z: 0.6 is above max 1.5 × baseline 0.3 = 0.45.",
      value: 0.6,
    });
  });

  it("fails on a logged problem, with the log's sentence, even with earlier instants incomplete", () => {
    const problem = problemEntry(ERRORS, at(10), "Measurement", "returned no data (an empty vector)");
    const decision = decide([base(0.3), problem], 11);
    assert.equal(decision.kind, "Fail");
    assert.equal(
      decision.kind === "Fail" ? decision.failure.message : "",
      "error-rate at 2026-11-26T10:00:12Z returned no data (an empty vector): not a pass.",
    );
  });

  it("fails a baseline of 0 at once: a threshold relative to it cannot be judged", () => {
    const decision = decide([base(0)], 1);
    assert.equal(decision.kind, "Fail");
    assert.deepEqual(decision.kind === "Fail" ? decision.failure : undefined, {
      check: "latency",
      at: STARTED,
      purpose: "Baseline",
      message:
        "The baseline of latency is unusable: the baseline is 0, so a threshold relative to it cannot be judged " +
        "(it must be a positive number).",
      value: 0,
    });
  });

  it("fails a baseline that could not be measured", () => {
    const problem = problemEntry(LATENCY, STARTED, "Baseline", "returned no data (an empty vector)");
    const decision = decide([problem], 1);
    assert.equal(
      decision.kind === "Fail" ? decision.failure.message : "",
      "latency baseline at 2026-11-26T10:00:00Z returned no data (an empty vector): not a pass.",
    );
  });

  it("needs no baseline for absolute checks only", () => {
    const decision = decideVerification({ checks: [ERRORS], schedule: SCHEDULE, log: [] }, at(0));
    assert.deepEqual(decision, { kind: "Wait", until: at(5) });
  });
});

describe("recordStep", () => {
  const step = (purpose: MeasureStep["purpose"], seconds: number, checks = CHECKS): MeasureStep => ({
    purpose,
    at: purpose === "Baseline" ? STARTED : at(seconds),
    checks,
  });
  const results = (errors: QueryResult, latency: QueryResult): Map<string, QueryResult> =>
    new Map([
      ["error-rate", errors],
      ["latency", latency],
    ]);
  const refused: QueryResult = {
    kind: "Unreachable",
    message: "Prometheus at http://p:9090 could not be reached",
  };

  it("logs one Metric entry per check at the step's instant, judged against its threshold", () => {
    const record = recordStep(
      step("Measurement", 5),
      results({ kind: "Value", value: 0.012 }, { kind: "Value", value: 0.5 }),
      SCHEDULE,
      new Map([["latency", 0.3]]),
      at(5),
    );
    assert.deepEqual(record.entries, [
      {
        time: "2026-11-26T10:00:07Z",
        author: "stagegate-operator",
        kind: "Metric",
        message: "error-rate = 0.012 ratio (max 0.2): pass",
        metric: { name: "error-rate", value: 0.012, unit: "ratio" },
      },
      {
        time: "2026-11-26T10:00:07Z",
        author: "stagegate-operator",
        kind: "Metric",
        message:
          "latency = 0.5 seconds (max 1.5 × baseline 0.3 = 0.45): fail, 0.5 is above max 1.5 × baseline 0.3 = 0.45",
        metric: { name: "latency", value: 0.5, unit: "seconds" },
      },
    ]);
    assert.equal(record.failed, true);
    assert.equal(record.retry, false);
  });

  it("logs a baseline and returns it for the measurements of the same pass", () => {
    const record = recordStep(
      step("Baseline", 0, [LATENCY]),
      results(refused, { kind: "Value", value: 0.3 }),
      SCHEDULE,
      new Map(),
      at(0),
    );
    assert.deepEqual(
      record.entries.map((e) => [e.time, e.message]),
      [["2026-11-26T10:00:00Z", "latency baseline = 0.3 seconds, when the deployment started"]],
    );
    assert.deepEqual([...record.baselines], [["latency", 0.3]]);
    assert.equal(record.failed, false);
  });

  it("says a query that returned no data is not a pass, in a Comment", () => {
    const record = recordStep(
      step("Measurement", 5, [ERRORS]),
      results({ kind: "NoData" }, refused),
      SCHEDULE,
      new Map(),
      at(5),
    );
    assert.equal(record.entries.length, 1);
    assert.equal(record.entries[0]?.kind, "Comment");
    assert.match(
      record.entries[0]?.message ?? "",
      /^error-rate at 2026-11-26T10:00:07Z returned no data .*: not a pass\.$/,
    );
    assert.equal(record.failed, true);
  });

  it("retries an unreachable Prometheus without logging anything while the window lasts", () => {
    const record = recordStep(
      step("Measurement", 10, [ERRORS]),
      results(refused, refused),
      SCHEDULE,
      new Map(),
      at(10),
    );
    assert.deepEqual(record, { entries: [], retry: true, failed: false, baselines: new Map() });
  });

  it("retries a Prometheus timeout like an unreachable one", () => {
    const timeout: QueryResult = { kind: "QueryError", errorType: "timeout", error: "query timed out" };
    const record = recordStep(
      step("Measurement", 5, [ERRORS]),
      results(timeout, refused),
      SCHEDULE,
      new Map(),
      at(14.9),
    );
    assert.equal(record.retry, true);
  });

  it("fails an unreachable Prometheus once the retry deadline has come", () => {
    const record = recordStep(
      step("Measurement", 10, [ERRORS]),
      results(refused, refused),
      SCHEDULE,
      new Map(),
      at(15),
    );
    assert.equal(record.failed, true);
    assert.equal(record.retry, false);
    assert.equal(
      record.entries[0]?.message,
      "error-rate at 2026-11-26T10:00:12Z could not be measured: Prometheus at http://p:9090 could not be reached, " +
        "and still could not at 2026-11-26T10:00:17Z, after retrying until one interval past the end of the " +
        "window: not a pass.",
    );
  });

  it("fails a query Prometheus rejects at once, naming the error", () => {
    const rejected: QueryResult = {
      kind: "QueryError",
      errorType: "bad_data",
      error: "1:18: parse error: unclosed left parenthesis",
    };
    const record = recordStep(
      step("Measurement", 5, [ERRORS]),
      results(rejected, refused),
      SCHEDULE,
      new Map(),
      at(5),
    );
    assert.equal(record.failed, true);
    assert.match(
      record.entries[0]?.message ?? "",
      /was rejected by Prometheus \(bad_data\): 1:18: parse error/,
    );
  });

  it("reads back what it wrote: a restart decides the same from the log alone", () => {
    const first = recordStep(
      step("Baseline", 0, [LATENCY]),
      results(refused, { kind: "Value", value: 0.3 }),
      SCHEDULE,
      new Map(),
      at(5),
    );
    const second = recordStep(
      step("Measurement", 5),
      results({ kind: "Value", value: 0.01 }, { kind: "Value", value: 0.32 }),
      SCHEDULE,
      first.baselines,
      at(5),
    );
    const log = [...first.entries, ...second.entries];
    assert.deepEqual(decide(log, 5.5), { kind: "Wait", until: at(10) });
    assert.deepEqual(steps(decide(log, 10)), ["Measurement@10: error-rate,latency"]);
  });
});
