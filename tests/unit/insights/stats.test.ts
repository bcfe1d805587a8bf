import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { quantile, secondsBetween, summarise } from "../../../src/insights/measures/stats.js";
import { humanDuration, toCsv, toTable } from "../../../src/insights/render.js";

describe("insight statistics and rendering", () => {
  it("takes nearest-rank quantiles and summarises durations, dropping negative ones", () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    assert.deepEqual([quantile(sorted, 0.5), quantile(sorted, 0.9), quantile([], 0.5)], [5, 9, null]);
    assert.deepEqual(summarise([30, -2, 10, 20]), {
      count: 3,
      medianSeconds: 20,
      p90Seconds: 30,
      totalSeconds: 60,
    });
    assert.equal(secondsBetween("2026-12-01T10:00:00Z", "2026-12-01T10:01:30Z"), 90);
    assert.equal(secondsBetween(undefined, "2026-12-01T10:01:30Z"), undefined);
  });

  it("shows durations as people read them, and seconds in CSV", () => {
    assert.deepEqual([9.84, 192, 7500, 273_600].map(humanDuration), ["9.8s", "3m12s", "2h05m", "3d04h"]);
    const columns = [
      { header: "NAME", value: (r: { n: string; s: number }) => r.n },
      { header: "WAIT", value: (r: { n: string; s: number }) => r.s, duration: true },
    ];
    assert.equal(toCsv([{ n: 'a,"b"', s: 192 }], columns), 'NAME,WAIT_SECONDS\n"a,""b""",192\n');
    assert.equal(toTable([{ n: "prod", s: 192 }], columns), "NAME  WAIT\nprod  3m12s\n");
    assert.match(toTable([], columns), /No promotions on record/);
  });
});
