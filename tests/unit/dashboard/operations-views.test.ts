// The overdue and deployments pages' view models: only what the operator concluded in status (conditions, recorded
// promotion steps) puts a task or a release on them; what a user writes in a spec cannot.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DeploymentsRelease,
  RECENT_LIMIT,
  recentDeployments,
  rollbackLines,
  unapprovedLines,
} from "../../../src/dashboard/deployments-view.js";
import { overdueTasks, stalledTasks } from "../../../src/dashboard/overdue-view.js";
import { templates } from "../../../src/dashboard/templates.js";
import { WaitingTaskObject } from "../../../src/dashboard/waiting-view.js";

const T = "2026-12-06T10:00:00Z";

const condition = (type: string, status: string, reason: string, message: string, at = T) => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: at,
});

const task = (name: string, spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
  WaitingTaskObject.parse({
    metadata: { name, namespace: "shop", creationTimestamp: T },
    spec: { type: "Checklist", title: `Task ${name}`, ...spec },
    status,
  });

describe("overdueTasks and stalledTasks", () => {
  it("list the tasks whose Overdue or Stalled condition the operator set True, with its sentence", () => {
    const tasks = [
      task(
        "late",
        { owners: [{ kind: "Group", name: "sre" }], releaseRef: { name: "shop-1" }, environment: "prod" },
        {
          phase: "Ready",
          dueAt: "2026-12-05T09:00:00Z",
          conditions: [
            condition(
              "Overdue",
              "True",
              "PastDue",
              "The task was due at 2026-12-05T09:00:00Z and has not succeeded.",
            ),
          ],
        },
      ),
      task(
        "on-time",
        {},
        { dueAt: "2030-01-01T00:00:00Z", conditions: [condition("Overdue", "False", "OnTime", "Due.")] },
      ),
      // A spec due date in the past is the user's word; only the operator's condition counts.
      task("spec-says-late", { dueAt: "2020-01-01T00:00:00Z" }),
      task(
        "stuck",
        {},
        {
          conditions: [
            condition("Stalled", "True", "InvalidSpec", "Set either spec.dueAt or spec.sla, not both."),
          ],
        },
      ),
    ];
    const overdue = overdueTasks(tasks);
    assert.deepEqual(
      overdue.map((t) => [t.name, t.owners, t.release, t.environment, t.dueAt, t.since, t.phase]),
      [["late", "group sre", "shop-1", "prod", "2026-12-05T09:00:00Z", T, "Ready"]],
    );
    assert.match(overdue[0]?.message ?? "", /was due at 2026-12-05T09:00:00Z/);
    assert.deepEqual(
      stalledTasks(tasks).map((t) => [t.name, t.owners, t.reason]),
      [["stuck", "nobody named", "InvalidSpec"]],
    );
  });

  it("escapes what people wrote when the page renders it", () => {
    const html = templates.overdue({
      overdue: overdueTasks([
        task(
          "x",
          { title: "<script>alert(1)</script>" },
          {
            conditions: [condition("Overdue", "True", "PastDue", "<b>late</b>")],
          },
        ),
      ]),
      stalled: [],
      notices: [],
    });
    assert.doesNotMatch(html, /<script>alert/);
    assert.match(html, /&lt;script&gt;/);
    assert.match(html, /&lt;b&gt;late&lt;\/b&gt;/);
  });
});

const release = (name: string, status: Record<string, unknown>) =>
  DeploymentsRelease.parse({
    metadata: { name, namespace: "shop" },
    spec: { version: "1.0.0", pipeline: ["dev", "prod"] },
    status,
  });

describe("recentDeployments", () => {
  it("lists each recorded promotion with its last step, newest first", () => {
    const lines = recentDeployments([
      release("a", {
        environments: [
          {
            name: "dev",
            state: "Verified",
            revision: "a".repeat(40),
            deployStartedAt: "2026-12-01T10:00:00Z",
            deployedAt: "2026-12-01T10:05:00Z",
            verifiedAt: "2026-12-01T10:20:00Z",
          },
          { name: "prod", state: "Gated", requestedAt: "2026-12-02T10:00:00Z" },
        ],
      }),
      release("b", {
        environments: [
          { name: "dev", state: "Failed", deployStartedAt: "2026-12-03T10:00:00Z" },
          {
            name: "prod",
            state: "Deployed",
            deployStartedAt: "2026-12-02T11:00:00Z",
            deployedAt: "2026-12-02T11:10:00Z",
          },
        ],
      }),
      release("malformed", { environments: [{ state: 42 }] }),
    ]);
    assert.deepEqual(
      lines.map((l) => [l.release, l.environment, l.state, l.symbol, l.step, l.at]),
      [
        ["b", "dev", "Failed", "✖", "deploy started", "2026-12-03T10:00:00Z"],
        ["b", "prod", "Deployed", "●", "deployed", "2026-12-02T11:10:00Z"],
        ["a", "dev", "Verified", "✔", "verified", "2026-12-01T10:20:00Z"],
      ],
    );
    assert.equal(lines[2]?.revision, "a".repeat(12));
    assert.equal(lines[2]?.href, "/releases/shop/a");
  });

  it(`shows at most ${String(RECENT_LIMIT)}`, () => {
    const many = Array.from({ length: RECENT_LIMIT + 5 }, (_, i) =>
      release(`r${String(i)}`, {
        environments: [
          {
            name: "dev",
            state: "Deployed",
            deployStartedAt: `2026-12-01T10:${String(i % 60).padStart(2, "0")}:00Z`,
          },
        ],
      }),
    );
    assert.equal(recentDeployments(many).length, RECENT_LIMIT);
  });
});

describe("unapprovedLines and rollbackLines", () => {
  it("list releases whose UnapprovedDeployment condition is True, with the operator's sentence", () => {
    const lines = unapprovedLines([
      release("ran-around", {
        conditions: [
          condition(
            "UnapprovedDeployment",
            "True",
            "UnapprovedRevision",
            "Argo CD Application argocd/shop-prod runs bbbbbbb.",
          ),
        ],
      }),
      release("cleared", {
        conditions: [condition("UnapprovedDeployment", "False", "AuthorisedRevisions", "All authorised.")],
      }),
      release("none", {}),
    ]);
    assert.deepEqual(
      lines.map((l) => [l.release, l.since, l.message]),
      [["ran-around", T, "Argo CD Application argocd/shop-prod runs bbbbbbb."]],
    );
  });

  it("list Rollback tasks newest first, naming the alert they record", () => {
    const lines = rollbackLines([
      task(
        "rb-1",
        {
          type: "Rollback",
          releaseRef: { name: "shop-1" },
          environment: "prod",
          alert: { name: "HighErrorRate", fingerprint: "abc", startsAt: T, receivedAt: T },
        },
        { phase: "Succeeded", completedAt: "2026-12-06T11:00:00Z" },
      ),
      task("checklist", {}),
      task("rb-manual", { type: "Rollback" }),
    ]);
    assert.deepEqual(
      lines.map((l) => [l.name, l.alert, l.phase, l.completedAt]),
      [
        ["rb-1", "HighErrorRate", "Succeeded", "2026-12-06T11:00:00Z"],
        ["rb-manual", undefined, "Not yet seen by the operator", undefined],
      ],
    );
  });
});
