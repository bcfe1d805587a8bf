import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { conflictConditions } from "../../../src/calendar/conflict-condition.js";
import { detectConflicts, overlappingChanges } from "../../../src/calendar/conflicts.js";
import type { CalendarInputs, PlannedChange } from "../../../src/calendar/inputs.js";
import { change, environment, task } from "./fixtures.js";

const none = { environments: [], tasks: [] };
const pairs = (changes: PlannedChange[]): string[] =>
  overlappingChanges(changes)
    .map((c) =>
      c.parties
        .map((p) => p.name)
        .sort()
        .join("+"),
    )
    .sort();

describe("overlappingChanges", () => {
  const rows: { name: string; changes: PlannedChange[]; want: string[] }[] = [
    {
      name: "same environment, overlapping windows",
      changes: [
        change("a", "prod", "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z"),
        change("b", "prod", "2026-12-08T11:00:00Z", "2026-12-08T13:00:00Z"),
      ],
      want: ["a+b"],
    },
    {
      name: "back to back (end equals start) is no overlap",
      changes: [
        change("a", "prod", "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z"),
        change("b", "prod", "2026-12-08T12:00:00Z", "2026-12-08T13:00:00Z"),
      ],
      want: [],
    },
    {
      name: "other environment, no shared target",
      changes: [
        change("a", "prod", "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z"),
        change("b", "staging", "2026-12-08T11:00:00Z", "2026-12-08T13:00:00Z"),
      ],
      want: [],
    },
    {
      name: "other environment, same bound target",
      changes: [
        change("a", "prod", "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z", { target: "api" }),
        change("b", "prod-eu", "2026-12-08T11:00:00Z", "2026-12-08T13:00:00Z", { target: "api" }),
      ],
      want: ["a+b"],
    },
    {
      name: "same environment and same target: reported once",
      changes: [
        change("a", "prod", "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z", { target: "api" }),
        change("b", "prod", "2026-12-08T11:00:00Z", "2026-12-08T13:00:00Z", { target: "api" }),
      ],
      want: ["a+b"],
    },
    {
      name: "a long window overlaps two short ones that do not overlap each other",
      changes: [
        change("long", "prod", "2026-12-08T00:00:00Z", "2026-12-09T00:00:00Z"),
        change("x", "prod", "2026-12-08T01:00:00Z", "2026-12-08T02:00:00Z"),
        change("y", "prod", "2026-12-08T03:00:00Z", "2026-12-08T04:00:00Z"),
      ],
      want: ["long+x", "long+y"],
    },
    {
      name: "rejected, expired and closed changes do not take part",
      changes: [
        change("a", "prod", "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z"),
        change("r", "prod", "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z", { resolution: "Rejected" }),
        change("e", "prod", "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z", { resolution: "Expired" }),
        change("c", "prod", "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z", {
          resolution: "Approved",
          closedAt: "2026-12-08T12:00:00Z",
        }),
      ],
      want: [],
    },
    {
      name: "same name in two namespaces are two changes",
      changes: [
        change("a", "prod", "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z", { namespace: "team-a" }),
        change("a", "prod", "2026-12-08T11:00:00Z", "2026-12-08T12:00:00Z", { namespace: "team-b" }),
      ],
      want: ["a+a"],
    },
  ];
  for (const row of rows) it(row.name, () => assert.deepEqual(pairs(row.changes), row.want));

  it("agrees with the all-pairs check on a random schedule", () => {
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const base = Date.parse("2026-12-01T00:00:00Z");
    const changes = Array.from({ length: 300 }, (_, i) => {
      const start = base + Math.floor(rand() * 30 * 24) * 3_600_000;
      const end = start + (1 + Math.floor(rand() * 6)) * 3_600_000;
      return change(
        `c${i}`,
        `env${Math.floor(rand() * 5)}`,
        new Date(start).toISOString(),
        new Date(end).toISOString(),
        {
          target: rand() < 0.5 ? `t${Math.floor(rand() * 5)}` : undefined,
        },
      );
    });
    const expected: string[] = [];
    for (let i = 0; i < changes.length; i++) {
      for (let j = i + 1; j < changes.length; j++) {
        const a = changes[i]!;
        const b = changes[j]!;
        const sameTarget =
          a.spec.binding !== undefined && a.spec.binding.target.name === b.spec.binding?.target.name;
        if (a.spec.environment !== b.spec.environment && !sameTarget) continue;
        if (
          a.spec.plannedWindow.start < b.spec.plannedWindow.end &&
          b.spec.plannedWindow.start < a.spec.plannedWindow.end
        ) {
          expected.push([a.metadata.name, b.metadata.name].sort().join("+"));
        }
      }
    }
    assert.ok(expected.length > 10, "the random schedule has overlaps to find");
    assert.deepEqual(pairs(changes), expected.sort());
  });
});

describe("detectConflicts", () => {
  const prod = environment("prod", {
    freezes: [
      { name: "year-end", start: "2026-12-20T00:00:00Z", end: "2027-01-04T00:00:00Z", reason: "holidays" },
      {
        name: "payments-weekend",
        schedule: "0 16 * * 5",
        duration: "64h",
        timeZone: "UTC",
        namespaceSelector: { matchLabels: { team: "payments" } },
      },
    ],
  });
  const labels = new Map([
    ["team-a", { team: "search" }],
    ["team-p", { team: "payments" }],
  ]);
  const inputs = (over: Partial<CalendarInputs>): CalendarInputs => ({
    changes: [],
    environments: [prod],
    tasks: [],
    namespaceLabels: labels,
    ...over,
  });

  it("flags a planned window inside a freeze, with the freeze's name, reason and the overlap", () => {
    const found = detectConflicts(
      inputs({ changes: [change("late", "prod", "2026-12-21T10:00:00Z", "2026-12-21T11:00:00Z")] }),
    );
    assert.equal(found.length, 1);
    assert.equal(found[0]?.reason, "PlannedInFreeze");
    assert.match(
      found[0]?.messages[0] ?? "",
      /freeze year-end \(holidays\) of environment prod from 2026-12-21T10:00:00Z to 2026-12-21T11:00:00Z/,
    );
  });

  it("judges a scoped recurring freeze by the namespace's labels only", () => {
    const saturday = ["2026-12-12T10:00:00Z", "2026-12-12T11:00:00Z"] as const;
    const found = detectConflicts(
      inputs({
        changes: [
          change("search", "prod", ...saturday, { namespace: "team-a" }),
          change("pay", "prod", ...saturday, { namespace: "team-p", release: "pay" }),
        ],
      }),
    ).filter((c) => c.reason === "PlannedInFreeze");
    assert.deepEqual(
      found.map((c) => c.parties[0]?.name),
      ["pay"],
    );
  });

  it("holds a change when its namespace's labels are unknown (a freeze errs on the side of holding)", () => {
    const found = detectConflicts(
      inputs({
        namespaceLabels: undefined,
        changes: [change("pay", "prod", "2026-12-12T10:00:00Z", "2026-12-12T11:00:00Z")],
      }),
    );
    assert.deepEqual(
      found.map((c) => c.reason),
      ["PlannedInFreeze"],
    );
  });

  it("flags an open task of the same release and environment due after the window starts, on both objects", () => {
    const cr = change("rel", "prod", "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z");
    const found = detectConflicts(
      inputs({
        changes: [cr],
        tasks: [
          task("late", "rel", "prod", "2026-12-08T11:00:00Z"),
          task("early", "rel", "prod", "2026-12-08T09:00:00Z"),
          task("done", "rel", "prod", "2026-12-08T11:00:00Z", { completedAt: "2026-12-08T09:00:00Z" }),
          task("other-env", "rel", "staging", "2026-12-08T11:00:00Z"),
          task("other-ns", "rel", "prod", "2026-12-08T11:00:00Z", { namespace: "team-b" }),
        ],
      }),
    );
    assert.equal(found.length, 1);
    assert.deepEqual(
      found[0]?.parties.map((p) => `${p.kind}/${p.name}`),
      ["ChangeRequest/rel", "DeploymentTask/late"],
    );
    const conditions = conflictConditions(found);
    assert.match(
      conditions.get("DeploymentTask/team-a/late")?.message ?? "",
      /ChangeRequest team-a\/rel starts at 2026-12-08T10:00:00Z/,
    );
    assert.equal(conditions.get("ChangeRequest/team-a/rel")?.reason, "DueAfterWindow");
  });
});

describe("conflictConditions", () => {
  it("puts a condition on both changes, naming the other and the overlap, and counts past three", () => {
    const changes = [
      change("a", "prod", "2026-12-08T10:00:00Z", "2026-12-08T20:00:00Z"),
      ...["b", "c", "d", "e"].map((n) =>
        change(n, "prod", "2026-12-08T11:00:00Z", "2026-12-08T12:00:00Z", { target: n }),
      ),
    ];
    const conditions = conflictConditions(overlappingChanges(changes));
    const a = conditions.get("ChangeRequest/team-a/a");
    assert.equal(a?.status, "True");
    assert.equal(a?.reason, "OverlappingChange");
    assert.match(
      a?.message ?? "",
      /ChangeRequest team-a\/b is planned for the same environment prod and overlaps this change from 2026-12-08T11:00:00Z to 2026-12-08T12:00:00Z\./,
    );
    assert.match(a?.message ?? "", /And 1 more schedule conflict\.$/);
    assert.match(conditions.get("ChangeRequest/team-a/b")?.message ?? "", /ChangeRequest team-a\/a /);
  });

  it("is the same whatever order the conflicts come in", () => {
    const changes = ["a", "b", "c"].map((n) =>
      change(n, "prod", "2026-12-08T10:00:00Z", "2026-12-08T11:00:00Z"),
    );
    const one = conflictConditions(overlappingChanges(changes));
    const two = conflictConditions(overlappingChanges([...changes].reverse()));
    assert.deepEqual([...one.entries()].sort(), [...two.entries()].sort());
  });

  it("gives no condition when nothing clashes", () => {
    assert.equal(
      conflictConditions(
        detectConflicts({
          changes: [change("a", "prod", "2026-12-08T10:00:00Z", "2026-12-08T11:00:00Z")],
          ...none,
        }),
      ).size,
      0,
    );
  });
});

describe("overlappingChanges and the changes Stagegate opens for promotions", () => {
  const requested = (c: PlannedChange, username: string): PlannedChange => ({
    ...c,
    spec: { ...c.spec, requestedBy: { username } },
  });
  const operator = "system:serviceaccount:stagegate-system:stagegate-operator";
  const a = requested(change("a", "prod", "2026-12-08T10:00:00Z", "2026-12-08T12:00:00Z"), operator);
  const b = requested(change("b", "prod", "2026-12-08T11:00:00Z", "2026-12-08T13:00:00Z"), operator);
  const planned = requested(change("maint", "prod", "2026-12-08T11:30:00Z", "2026-12-08T14:00:00Z"), "dave");

  it("does not flag two promotions' changes against each other: their windows and order are the operator's", () => {
    assert.deepEqual(overlappingChanges([a, b], operator), []);
  });

  it("flags a change a person planned against each promotion it overlaps", () => {
    const found = overlappingChanges([a, b, planned], operator)
      .map((c) =>
        c.parties
          .map((p) => p.name)
          .sort()
          .join("+"),
      )
      .sort();
    assert.deepEqual(found, ["a+maint", "b+maint"]);
  });

  it("treats a change whose requester merely claims a similar name as a person's", () => {
    const impostor = requested(
      change("c", "prod", "2026-12-08T11:00:00Z", "2026-12-08T13:00:00Z"),
      "stagegate-operator",
    );
    assert.equal(overlappingChanges([a, impostor], operator).length, 1);
  });
});
