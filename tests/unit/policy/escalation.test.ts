import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EscalationLevel } from "../../../src/api/v1alpha1/escalation.js";
import { decideEscalation, levelsProblem, recipientsOf } from "../../../src/policy/escalation.js";

const at = (iso: string): Date => new Date(iso);
const notify = (n: Partial<EscalationLevel["notify"]>): EscalationLevel["notify"] => ({
  owners: false,
  releaseManager: false,
  cab: false,
  users: [],
  groups: [],
  ...n,
});
const levels: EscalationLevel[] = [
  { after: "0s", notify: notify({ owners: true }) },
  { after: "4h", notify: notify({ groups: ["payments-leads"] }) },
  { after: "24h", notify: notify({ releaseManager: true, cab: true }) },
];
const roles = {
  owners: [
    { kind: "User" as const, name: "dave" },
    { kind: "Group" as const, name: "qa" },
  ],
  releaseManager: { kind: "User" as const, name: "rita" },
  cabGroup: "cab",
};
const breachAt = at("2026-12-07T10:00:00Z");

describe("escalation chains", () => {
  it("shows the first level's time before the breach, and stores nothing else", () => {
    const d = decideEscalation(
      { levels, breachAt, open: true, previous: undefined, roles },
      at("2026-12-07T09:00:00Z"),
    );
    assert.deepEqual(d.status, { level: 0, steps: [], nextAt: "2026-12-07T10:00:00Z" });
    assert.deepEqual(d.reached, []);
    assert.equal(d.requeueAfterMs, 3_600_000);
  });

  it("reaches each level at the breach plus its after, notifying the people behind its roles", () => {
    const d = decideEscalation(
      { levels, breachAt, open: true, previous: undefined, roles },
      at("2026-12-07T14:30:00Z"),
    );
    assert.deepEqual(
      d.reached.map((s) => [s.level, s.at, s.notified]),
      [
        [1, "2026-12-07T10:00:00Z", { users: ["dave"], groups: ["qa"] }],
        [2, "2026-12-07T14:00:00Z", { users: [], groups: ["payments-leads"] }],
      ],
    );
    assert.equal(d.status?.level, 2);
    assert.equal(d.status?.breachedAt, "2026-12-07T10:00:00Z");
    assert.equal(d.status?.nextAt, "2026-12-08T10:00:00Z");
  });

  it("never reaches a stored level again: a pass after a restart decides the same state and reaches nothing", () => {
    const now = at("2026-12-07T14:30:00Z");
    const first = decideEscalation({ levels, breachAt, open: true, previous: undefined, roles }, now);
    const again = decideEscalation({ levels, breachAt, open: true, previous: first.status, roles }, now);
    assert.deepEqual(again.reached, []);
    assert.deepEqual(again.status, first.status);
    const later = decideEscalation(
      { levels, breachAt, open: true, previous: first.status, roles },
      at("2026-12-08T11:00:00Z"),
    );
    assert.deepEqual(
      later.reached.map((s) => [s.level, s.notified]),
      [[3, { users: ["rita"], groups: ["cab"] }]],
    );
    assert.equal(later.status?.nextAt, undefined, "no level remains");
  });

  it("stops when the work is done, keeping the levels reached", () => {
    const now = at("2026-12-07T14:30:00Z");
    const reached = decideEscalation(
      { levels, breachAt, open: true, previous: undefined, roles },
      now,
    ).status;
    const done = decideEscalation(
      { levels, breachAt, open: false, previous: reached, roles },
      at("2026-12-09T00:00:00Z"),
    );
    assert.deepEqual(done.reached, []);
    assert.equal(done.status?.level, 2);
    assert.equal(done.status?.nextAt, undefined);
  });

  it("stores nothing for work done before its breach", () => {
    const d = decideEscalation(
      { levels, breachAt, open: false, previous: undefined, roles },
      at("2026-12-07T09:00:00Z"),
    );
    assert.equal(d.status, undefined);
  });

  it("names an empty cab or release manager honestly: nobody is added for a role without people", () => {
    assert.deepEqual(recipientsOf(notify({ releaseManager: true, cab: true }), { owners: [] }), {
      users: [],
      groups: [],
    });
  });

  it("refuses levels out of order or naming nobody, naming the level", () => {
    assert.match(levelsProblem([levels[1]!, levels[0]!]) ?? "", /levels\[1\]\.after \(0s\) must be later/);
    assert.match(
      levelsProblem([{ after: "1h", notify: notify({}) }]) ?? "",
      /levels\[0\]\.notify names nobody/,
    );
    assert.equal(levelsProblem(levels), undefined);
  });
});
