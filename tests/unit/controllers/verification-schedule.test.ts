import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  dueInstants,
  nextAttempt,
  verificationSchedule,
} from "../../../src/controllers/verification/schedule.js";

const STARTED = new Date("2026-11-26T10:00:00Z");
const DEPLOYED = new Date("2026-11-26T10:00:02Z");
const offsets = (instants: Date[]): number[] =>
  instants.map((at) => (at.getTime() - DEPLOYED.getTime()) / 1_000);

describe("verificationSchedule", () => {
  const rows: {
    situation: string;
    windowMs: number;
    intervalMs: number;
    expected: number[];
    interval: number;
  }[] = [
    {
      situation: "a window of whole intervals",
      windowMs: 20_000,
      intervalMs: 5_000,
      expected: [5, 10, 15, 20],
      interval: 5_000,
    },
    {
      situation: "a window ending between two intervals",
      windowMs: 12_000,
      intervalMs: 5_000,
      expected: [5, 10, 12],
      interval: 5_000,
    },
    {
      situation: "a window shorter than the interval",
      windowMs: 3_000,
      intervalMs: 30_000,
      expected: [3],
      interval: 30_000,
    },
    {
      situation: "a zero window (measured once, a second in)",
      windowMs: 0,
      intervalMs: 5_000,
      expected: [1],
      interval: 5_000,
    },
    {
      situation: "an interval below a second",
      windowMs: 3_000,
      intervalMs: 10,
      expected: [1, 2, 3],
      interval: 1_000,
    },
    {
      situation: "the defaults (5m every 30s)",
      windowMs: 300_000,
      intervalMs: 30_000,
      expected: [30, 60, 90, 120, 150, 180, 210, 240, 270, 300],
      interval: 30_000,
    },
  ];
  for (const row of rows) {
    it(`measures ${row.situation} at ${row.expected.join(", ")} s after the deployment`, () => {
      const schedule = verificationSchedule(STARTED, DEPLOYED, row.windowMs, row.intervalMs);
      assert.deepEqual(offsets(schedule.instants), row.expected);
      assert.equal(schedule.intervalMs, row.interval);
      assert.equal(schedule.windowEnd.getTime(), schedule.instants.at(-1)?.getTime());
      assert.equal(schedule.retryDeadline.getTime(), schedule.windowEnd.getTime() + row.interval);
    });
  }

  it("stretches a window of too many intervals to 60 measurements", () => {
    const schedule = verificationSchedule(STARTED, DEPLOYED, 3_600_000, 1_000);
    assert.equal(schedule.instants.length, 60);
    assert.equal(schedule.intervalMs, 60_000);
  });

  it("takes baselines when the deployment started, or when it finished if the start is unknown", () => {
    assert.equal(verificationSchedule(STARTED, DEPLOYED, 10_000, 5_000).baselineAt, STARTED);
    assert.equal(verificationSchedule(undefined, DEPLOYED, 10_000, 5_000).baselineAt, DEPLOYED);
  });

  it("puts every instant after the baseline, so the two never share a log key", () => {
    const schedule = verificationSchedule(DEPLOYED, DEPLOYED, 0, 5_000);
    assert.ok(schedule.instants.every((at) => at.getTime() > schedule.baselineAt.getTime()));
  });
});

describe("dueInstants and nextAttempt", () => {
  const schedule = verificationSchedule(STARTED, DEPLOYED, 10_000, 5_000);
  const at = (seconds: number): Date => new Date(DEPLOYED.getTime() + seconds * 1_000);
  const rows: { now: number; due: number[]; next: number | undefined }[] = [
    { now: 0, due: [], next: 5 },
    { now: 4.999, due: [], next: 5 },
    { now: 5, due: [5], next: 10 },
    { now: 7, due: [5], next: 10 },
    { now: 10, due: [5, 10], next: 15 },
    { now: 14, due: [5, 10], next: 15 },
    { now: 15, due: [5, 10], next: undefined },
  ];
  for (const row of rows) {
    it(`at +${row.now}s: due ${JSON.stringify(row.due)}, next ${String(row.next)}`, () => {
      assert.deepEqual(offsets(dueInstants(schedule, at(row.now))), row.due);
      const next = nextAttempt(schedule, at(row.now));
      assert.deepEqual(next === undefined ? undefined : offsets([next])[0], row.next);
    });
  }
});
