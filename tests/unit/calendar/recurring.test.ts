import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expandSeries } from "../../../src/calendar/recurring.js";

const range = (since: string, until: string) => ({ since: new Date(since), until: new Date(until) });

describe("expandSeries", () => {
  it("includes an occurrence that started before since and still runs, and none that starts at until", () => {
    const got = expandSeries(
      { schedule: "0 22 * * *", duration: "8h", timeZone: "UTC" },
      range("2026-12-07T02:00:00Z", "2026-12-08T22:00:00Z"),
    );
    assert.deepEqual(
      got.occurrences.map((o) => [o.start.toISOString(), o.end.toISOString()]),
      [
        ["2026-12-06T22:00:00.000Z", "2026-12-07T06:00:00.000Z"],
        ["2026-12-07T22:00:00.000Z", "2026-12-08T06:00:00.000Z"],
      ],
    );
    assert.equal(got.truncated, false);
  });

  it("keeps the local hour across a daylight-saving change in the series' time zone", () => {
    // Berlin leaves summer time on 2026-10-25: 16:00 local is 14:00 UTC before and 15:00 UTC after.
    const got = expandSeries(
      { schedule: "0 16 * * 5", duration: "64h", timeZone: "Europe/Berlin" },
      range("2026-10-20T00:00:00Z", "2026-11-01T00:00:00Z"),
    );
    assert.deepEqual(
      got.occurrences.map((o) => o.start.toISOString()),
      ["2026-10-23T14:00:00.000Z", "2026-10-30T15:00:00.000Z"],
    );
  });

  it("stops at the cap and says it cut the series", () => {
    const got = expandSeries(
      { schedule: "* * * * *", duration: "1m", timeZone: "UTC" },
      range("2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"),
      10,
    );
    assert.equal(got.occurrences.length, 10);
    assert.equal(got.truncated, true);
  });

  it("throws on a schedule or duration that does not parse", () => {
    const r = range("2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z");
    assert.throws(() => expandSeries({ schedule: "not cron", duration: "1h", timeZone: "UTC" }, r));
    assert.throws(() => expandSeries({ schedule: "0 1 * * *", duration: "1 hour", timeZone: "UTC" }, r));
  });
});
