import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatTimestamp,
  InvalidDurationError,
  parseDuration,
  parseTimestamp,
} from "../../../src/runtime/duration.js";

describe("parseDuration", () => {
  const valid: [text: string, ms: number][] = [
    ["72h", 72 * 3_600_000],
    ["1h30m", 90 * 60_000],
    ["45m", 45 * 60_000],
    ["10s", 10_000],
    ["500ms", 500],
    ["0s", 0],
    ["1.5h", 5_400_000],
    ["0.1s", 100],
    ["2h45m30s500ms", 2 * 3_600_000 + 45 * 60_000 + 30_000 + 500],
    ["90m", 5_400_000],
    ["1m1ms", 60_001],
    ["0.4ms", 0],
    ["0.5ms", 1],
    ["1h1h", 7_200_000],
  ];
  for (const [text, ms] of valid) {
    it(`parses ${text} as ${ms} ms`, () => {
      assert.equal(parseDuration(text), ms);
    });
  }

  const invalid: [text: string, why: string][] = [
    ["", "empty"],
    ["72", "no unit"],
    ["h", "no number"],
    ["-1h", "negative"],
    ["1d", "days are not a Go unit"],
    ["1 h", "space"],
    ["1H", "upper-case unit"],
    [".5h", "no leading digit"],
    ["1.h", "no digit after the point"],
    ["1h30", "trailing number without unit"],
    ["1us", "microseconds are not accepted by the API schema"],
  ];
  const tooLong: string[] = [`${"9".repeat(400)}h`, "99999999999h", "1000001h", "3600000001s"];
  for (const text of tooLong) {
    it(`rejects "${text.slice(0, 14)}" as too long, saying the limit`, () => {
      assert.throws(
        () => parseDuration(text),
        (err: unknown) =>
          err instanceof InvalidDurationError &&
          /is too long: write a duration of at most 1000000h/.test(err.message),
      );
    });
  }
  it("accepts the longest duration", () => assert.equal(parseDuration("1000000h"), 3_600_000_000_000));

  for (const [text, why] of invalid) {
    it(`rejects "${text.slice(0, 12)}" (${why})`, () => {
      assert.throws(
        () => parseDuration(text),
        (err: unknown) =>
          err instanceof InvalidDurationError &&
          err.text === text &&
          /for example 30m, 72h or 1h30m/.test(err.message),
      );
    });
  }
});

describe("formatTimestamp", () => {
  const rows: [instant: string, text: string][] = [
    ["2030-01-01T00:00:00.000Z", "2030-01-01T00:00:00Z"],
    ["2030-01-01T00:00:00.500Z", "2030-01-01T00:00:00.500Z"],
    ["2030-06-30T17:00:00+02:00", "2030-06-30T15:00:00Z"],
  ];
  for (const [instant, text] of rows) {
    it(`writes ${instant} as ${text}`, () => {
      assert.equal(formatTimestamp(new Date(instant)), text);
    });
  }
});

describe("parseTimestamp", () => {
  const rows: [text: string, ms: number | undefined][] = [
    ["2030-01-01T00:00:00Z", Date.UTC(2030, 0, 1)],
    ["2030-01-01T02:00:00+02:00", Date.UTC(2030, 0, 1)],
    ["2030-01-01T00:00:00.250Z", Date.UTC(2030, 0, 1) + 250],
    ["not a time", undefined],
  ];
  for (const [text, ms] of rows) {
    it(`reads ${text}`, () => {
      assert.equal(parseTimestamp(text)?.getTime(), ms);
    });
  }
});
