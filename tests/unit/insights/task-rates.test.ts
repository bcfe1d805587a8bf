import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ArchivedTask } from "../../../src/insights/tasks/archived-tasks.js";
import { openTasksOf, type OpenTask } from "../../../src/insights/tasks/open-tasks.js";
import { taskRates } from "../../../src/insights/tasks/task-rates.js";
import { parseSelector } from "../../../src/insights/selector.js";

const task = (name: string, extra: Partial<ArchivedTask>): ArchivedTask => ({
  namespace: "shop",
  name,
  type: "SecurityScan",
  owners: ["User:bob"],
  dimensions: { team: "payments" },
  createdAt: "2026-12-01T10:00:00Z",
  closedAt: "2026-12-01T12:00:00Z",
  outcome: "Succeeded",
  dueAt: undefined,
  overdue: false,
  ...extra,
});

describe("task completion and overdue rates", () => {
  const tasks = [
    task("a", { dueAt: "2026-12-01T11:00:00Z", overdue: true }),
    task("b", { dueAt: "2026-12-01T13:00:00Z" }),
    task("c", { outcome: "Failed" }),
    task("d", { type: "UserAcceptance", owners: ["User:bob", "Group:qa"], dimensions: { team: "shop" } }),
  ];
  const scope = (selector = "") => ({
    since: undefined,
    until: undefined,
    selector: parseSelector(selector),
    by: undefined,
  });

  it("counts per type and owner, each owner of a shared task once", () => {
    assert.deepEqual(
      taskRates(scope(), tasks).map((r) => [r.type, r.owner, r.closed, r.succeeded, r.withDue, r.overdue]),
      [
        ["SecurityScan", "User:bob", 3, 2, 2, 1],
        ["UserAcceptance", "Group:qa", 1, 1, 0, 0],
        ["UserAcceptance", "User:bob", 1, 1, 0, 0],
      ],
    );
    const [scan] = taskRates(scope(), tasks);
    assert.equal(scan?.completionRate, 2 / 3);
    assert.equal(scan?.overdueRate, 0.5);
    assert.equal(scan?.timeToClose.medianSeconds, 7200);
  });

  it("keeps to the selector and says there is no overdue rate without due dates", () => {
    const rows = taskRates(scope("team=shop"), tasks);
    assert.deepEqual(
      rows.map((r) => [r.owner, r.overdueRate]),
      [
        ["Group:qa", null],
        ["User:bob", null],
      ],
    );
  });

  describe("tasks open at the period's end", () => {
    const open = (name: string, extra: Partial<OpenTask>): OpenTask => ({
      namespace: "shop",
      name,
      type: "SecurityScan",
      owners: ["User:bob"],
      dimensions: { team: "payments" },
      createdAt: "2026-12-02T10:00:00Z",
      dueAt: undefined,
      ...extra,
    });
    const december = {
      since: new Date("2026-12-01T00:00:00Z"),
      until: new Date("2026-12-03T00:00:00Z"),
      selector: parseSelector(""),
      by: undefined,
    };

    it("counts them as open, and as overdue when due by the end, instead of dropping them", () => {
      const rows = taskRates(december, tasks, [
        open("late", { dueAt: "2026-12-02T12:00:00Z" }),
        open("in-time", { dueAt: "2026-12-05T00:00:00Z" }),
        open("no-due", {}),
        open("after-the-end", { createdAt: "2026-12-04T00:00:00Z", dueAt: "2026-12-04T01:00:00Z" }),
      ]);
      const scan = rows.find((r) => r.type === "SecurityScan");
      assert.deepEqual(
        [scan?.closed, scan?.open, scan?.withDue, scan?.overdue, scan?.openOverdue],
        [3, 3, 4, 2, 1],
        "a task created after the end is not counted",
      );
      assert.equal(scan?.completionRate, 2 / 6, "an open task is not completed");
      assert.equal(scan?.overdueRate, 2 / 4);
      assert.equal(scan?.timeToClose.count, 3, "only closed tasks have a time to close");
    });

    it("counts an archived task that closed after the end as open at the end, and one closed before the start not at all", () => {
      const rows = taskRates(
        { ...december, since: new Date("2026-12-02T00:00:00Z"), until: new Date("2026-12-03T00:00:00Z") },
        [
          task("closed-later", {
            createdAt: "2026-12-02T10:00:00Z",
            closedAt: "2026-12-10T00:00:00Z",
            dueAt: "2026-12-02T20:00:00Z",
            overdue: true,
          }),
          task("closed-before", {}),
        ],
      );
      assert.deepEqual(
        rows.map((r) => [r.closed, r.open, r.overdue, r.openOverdue, r.completionRate]),
        [[0, 1, 1, 1, 0]],
      );
    });

    it("takes the end as now when no --until is given", () => {
      const now = new Date("2026-12-02T11:00:00Z");
      const noEnd = { ...december, until: undefined };
      const [row] = taskRates(noEnd, [], [open("due-at-noon", { dueAt: "2026-12-02T12:00:00Z" })], now);
      assert.deepEqual([row?.open, row?.overdue], [1, 0]);
      const [later] = taskRates(
        noEnd,
        [],
        [open("due-at-noon", { dueAt: "2026-12-02T12:00:00Z" })],
        new Date("2026-12-02T13:00:00Z"),
      );
      assert.deepEqual([later?.open, later?.overdue], [1, 1]);
    });

    it("keeps the selector for open tasks too", () => {
      const rows = taskRates(december, [], [open("other-team", { dimensions: { team: "shop" } })]);
      assert.deepEqual(
        taskRates(
          { ...december, selector: parseSelector("team=payments") },
          [],
          [open("x", { dimensions: { team: "shop" } })],
        ),
        [],
      );
      assert.equal(rows.length, 1);
    });
  });

  describe("open tasks read from the cluster", () => {
    const object = (name: string, status: Record<string, unknown> | undefined, labels = {}) => ({
      apiVersion: "stagegate.io/v1alpha1",
      kind: "DeploymentTask",
      metadata: { name, namespace: "shop", creationTimestamp: "2026-12-02T10:00:00Z", labels },
      spec: { type: "SecurityScan", owners: [{ kind: "User", name: "bob" }], sla: "2h" },
      ...(status === undefined ? {} : { status }),
    });
    const condition = (status: string) => ({
      conditions: [
        { type: "Succeeded", status, reason: "X", message: "x", lastTransitionTime: "2026-12-02T11:00:00Z" },
      ],
    });

    it("keeps only those the archive would not hold yet (Succeeded neither True nor False)", () => {
      const found = openTasksOf([
        object("new", undefined, { "stagegate.io/team": "payments" }),
        object("running", { ...condition("Unknown"), dueAt: "2026-12-02T11:30:00Z" }),
        object("done", condition("True")),
        object("failed", condition("False")),
        { kind: "DeploymentTask", metadata: { name: "broken" } },
      ]);
      assert.deepEqual(
        found.tasks.map((t) => [t.name, t.owners, t.dueAt, t.dimensions.team]),
        [
          ["new", ["User:bob"], "2026-12-02T12:00:00.000Z", "payments"],
          ["running", ["User:bob"], "2026-12-02T11:30:00Z", undefined],
        ],
        "status.dueAt (the operator's) first, else creation plus sla",
      );
      assert.equal(found.unreadable, 1);
    });
  });
});
