import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildCalendar } from "../../../src/calendar/model.js";
import { change, environment, task } from "./fixtures.js";

const range = { since: new Date("2026-12-07T00:00:00Z"), until: new Date("2026-12-14T00:00:00Z") };

describe("buildCalendar", () => {
  const prod = environment("prod", {
    windows: [{ name: "weekday", schedule: "0 9 * * 1-5", duration: "8h", timeZone: "UTC" }],
    freezes: [
      {
        name: "weekend",
        schedule: "0 16 * * 5",
        duration: "64h",
        timeZone: "UTC",
        reason: "no weekend changes",
      },
      {
        name: "year-end",
        start: "2026-12-13T00:00:00Z",
        end: "2027-01-04T00:00:00Z",
        reason: "holidays; skeleton crew",
      },
      { name: "last-year", start: "2025-12-13T00:00:00Z", end: "2026-01-04T00:00:00Z" },
    ],
  });

  it("lists changes, window and freeze occurrences and due times in the range, in start order", () => {
    const cal = buildCalendar(
      {
        changes: [
          change("in", "prod", "2026-12-08T10:00:00Z", "2026-12-08T11:00:00Z"),
          change("before", "prod", "2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z"),
        ],
        environments: [prod],
        tasks: [
          task("prep", "in", "prod", "2026-12-08T09:00:00Z"),
          task("done", "in", "prod", "2026-12-08T09:00:00Z", { completedAt: "2026-12-07T09:00:00Z" }),
        ],
      },
      range,
    );
    const kinds = cal.events.map((e) => `${e.kind}:${e.start.toISOString().slice(0, 13)}`);
    // The weekend freeze from Friday 4 December 16:00 still holds on Monday 7 December until 08:00.
    assert.deepEqual(kinds, [
      "Freeze:2026-12-04T16",
      "DeploymentWindow:2026-12-07T09",
      "TaskDue:2026-12-08T09",
      "DeploymentWindow:2026-12-08T09",
      "Change:2026-12-08T10",
      "DeploymentWindow:2026-12-09T09",
      "DeploymentWindow:2026-12-10T09",
      "DeploymentWindow:2026-12-11T09",
      "Freeze:2026-12-11T16",
      "Freeze:2026-12-13T00",
    ]);
    const yearEnd = cal.events.find((e) => e.uid.endsWith("/year-end"));
    assert.match(yearEnd?.description ?? "", /Reason: holidays; skeleton crew/);
    assert.deepEqual(cal.notes, []);
  });

  it("gives the same occurrence the same uid on every read, and different occurrences different uids", () => {
    const a = buildCalendar({ changes: [], environments: [prod], tasks: [] }, range);
    const b = buildCalendar(
      { changes: [], environments: [prod], tasks: [] },
      { ...range, since: new Date("2026-12-08T00:00:00Z") },
    );
    const common = b.events.map((e) => e.uid);
    for (const uid of common)
      assert.ok(
        a.events.some((e) => e.uid === uid),
        uid,
      );
    assert.equal(new Set(a.events.map((e) => e.uid)).size, a.events.length);
  });

  it("notes a series that does not parse and still lists the rest", () => {
    const broken = environment("dev", {
      windows: [{ schedule: "61 * * * *", duration: "1h", timeZone: "UTC" }],
    });
    const cal = buildCalendar({ changes: [], environments: [broken, prod], tasks: [] }, range);
    assert.equal(cal.notes.length, 1);
    assert.match(cal.notes[0]?.message ?? "", /deployment window window 1 on dev cannot be read/);
    assert.ok(cal.events.length > 0);
  });
});
