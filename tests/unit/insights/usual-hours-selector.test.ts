// Usual hours (given, or read from the trail) and the shared `-l` selector over recorded dimensions.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { recordedDimensions } from "../../../src/insights/recorded-dimensions.js";
import { parseSelector, selects } from "../../../src/insights/selector.js";
import {
  checkTimeZone,
  hourIn,
  parseUsualHours,
  usualHoursOf,
} from "../../../src/insights/patterns/usual-hours.js";

describe("usual hours", () => {
  it("reads 08-18 as 08:00 up to 18:00, and 22-06 across midnight", () => {
    assert.deepEqual([...parseUsualHours("08-18", "UTC").hours], [8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    assert.deepEqual([...parseUsualHours("22-06", "UTC").hours], [22, 23, 0, 1, 2, 3, 4, 5]);
  });

  it("names the flag and the fix for a range or a zone it cannot read", () => {
    assert.throws(
      () => parseUsualHours("8 to 6", "UTC"),
      /--usual-hours "8 to 6" is not a range of hours; write START-END/,
    );
    assert.throws(() => parseUsualHours("25-03", "UTC"), /--usual-hours/);
    assert.throws(() => parseUsualHours("08-08", "UTC"), /--usual-hours/);
    assert.throws(
      () => checkTimeZone("Mars/Olympus"),
      /--time-zone "Mars\/Olympus" is not a time zone; write an IANA name/,
    );
  });

  it("tells the hour in the time zone asked", () => {
    assert.equal(hourIn("2026-12-06T07:30:00Z", "UTC"), 7);
    assert.equal(hourIn("2026-12-06T07:30:00Z", "Europe/Berlin"), 8);
    assert.equal(hourIn("2026-07-06T23:30:00Z", "Europe/Berlin"), 1);
  });

  it("reads the usual hours from the trail: the busiest hours holding 80% of promotions", () => {
    const times = [
      ...Array.from({ length: 6 }, () => "2026-12-01T10:15:00Z"),
      ...Array.from({ length: 3 }, () => "2026-12-01T14:15:00Z"),
      "2026-12-01T03:00:00Z",
    ];
    const usual = usualHoursOf(times, "UTC");
    assert.deepEqual([...(usual?.hours ?? [])].sort(), [10, 14]);
    assert.match(usual?.source ?? "", /busiest hours \(10, 14 in UTC\), holding 9 of 10 promotions/);
    assert.equal(usualHoursOf([], "UTC"), undefined);
  });
});

describe("selector over recorded dimensions", () => {
  const dims = { team: "payments", region: "eu-west", tags: ["pci"] };

  it("matches as a label selector: =, !=, present, absent, and tag", () => {
    const cases: [string, boolean][] = [
      ["team=payments", true],
      ["team==payments", true],
      ["team=search", false],
      ["region!=us-east", true],
      ["team=payments,region=eu-west", true],
      ["tenant", false],
      ["!tenant", true],
      ["tag=pci", true],
      ["tag=sox", false],
      ["stagegate.io/team=payments", true],
      ["", true],
    ];
    for (const [text, expected] of cases) assert.equal(selects(parseSelector(text), dims), expected, text);
  });

  it("lets an entry without dimensions match only what requires no label", () => {
    assert.equal(selects(parseSelector("team=payments"), undefined), false);
    assert.equal(selects(parseSelector("team!=payments"), undefined), true);
    assert.equal(selects(parseSelector("!team"), undefined), true);
    assert.equal(selects(parseSelector("team"), undefined), false);
  });

  it("names unknown keys and lists the allowed ones", () => {
    assert.throws(
      () => parseSelector("team=payments,colour=blue"),
      /"colour" is not a dimension label; select by stagegate.io\/team, .* and tag=NAME/,
    );
    assert.throws(() => parseSelector("team in a"), /cannot read "team in a" as a selector requirement/);
  });

  it("reads recorded dimensions optionally: another shape reads as none", () => {
    assert.deepEqual(recordedDimensions({ dimensions: { team: "payments", tags: ["pci"] } }), {
      team: "payments",
      tags: ["pci"],
    });
    assert.equal(recordedDimensions({}), undefined);
    assert.equal(recordedDimensions({ dimensions: { team: 7 } }), undefined);
  });
});
