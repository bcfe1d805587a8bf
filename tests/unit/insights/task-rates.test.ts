import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ArchivedTask } from "../../../src/insights/tasks/archived-tasks.js";
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
});
