// `stagegate insights tasks --open-from-cluster` against the real API server, the CLI as its own process: the tasks
// open now are listed with the caller's own kubeconfig and counted as open (overdue when due by the period's end),
// a task closed in the cluster is left to the archive, a caller RBAC does not let list tasks gets the API server's
// refusal in words, and without the flag the output says open tasks were left out.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { AuditTrail } from "../../src/audit/trail.js";
import { resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { clientFor, createTestNamespace } from "../support/kube.js";
import { makeScratch } from "../unit/audit/audit-fixtures.js";
import { stagegateAs } from "./cli/cli-helpers.js";

interface Row {
  type: string;
  owner: string;
  closed: number;
  open: number;
  withDue: number;
  overdue: number;
  openOverdue: number;
  completionRate: number;
  overdueRate: number | null;
}

describe("stagegate insights tasks counts the tasks open now from the cluster", () => {
  let admin: KubeClient;
  let namespace: string;
  let scratch: { dir: string; cleanup: () => Promise<void> };
  let trail: string;

  const createTask = (name: string, spec: Record<string, unknown>) =>
    admin.create(
      resources.deploymentTask,
      {
        apiVersion: "stagegate.io/v1alpha1",
        kind: "DeploymentTask",
        metadata: { name, namespace, labels: { "stagegate.io/team": "payments" } },
        spec: { type: "SecurityScan", title: name, owners: [{ kind: "User", name: "bob" }], ...spec },
      },
      namespace,
    );

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "insights-open");
    scratch = await makeScratch();
    trail = path.join(scratch.dir, "audit.jsonl");
    // An archive with nothing in it yet: every task of the story is still in the cluster.
    const recorder = await AuditTrail.open({ path: trail });
    await recorder.close();
    await createTask("overdue", { dueAt: "2026-01-01T00:00:00Z" });
    await createTask("due-later", { dueAt: "2099-01-01T00:00:00Z" });
    await createTask("no-due", {});
    await createTask("done", {});
    // A task closes through its status (written here as the operator would); the archive, not the cluster, counts
    // it from then on.
    await admin.patch(
      resources.deploymentTask,
      "done",
      namespace,
      {
        status: {
          phase: "Succeeded",
          conditions: [
            {
              type: "Succeeded",
              status: "True",
              reason: "Completed",
              message: "Every required item is done.",
              lastTransitionTime: new Date().toISOString(),
              observedGeneration: 1,
            },
          ],
        },
      },
      { type: "merge", subresource: "status" },
    );
  });

  after(async () => {
    admin?.close();
    await scratch?.cleanup();
  });

  it("counts them as open and the one past its due date as overdue; the closed one is left to the archive", async () => {
    const run = await stagegateAs("dave", [
      "insights",
      "tasks",
      "--trail",
      trail,
      "--open-from-cluster",
      "-n",
      namespace,
      "-l",
      "team=payments",
      "-o",
      "json",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const rows = JSON.parse(run.stdout) as Row[];
    assert.deepEqual(
      rows.map((r) => [r.type, r.owner, r.closed, r.open, r.withDue, r.overdue, r.openOverdue]),
      [["SecurityScan", "User:bob", 0, 3, 2, 1, 1]],
    );
    assert.equal(rows[0]?.completionRate, 0);
    assert.equal(rows[0]?.overdueRate, 0.5);
    assert.doesNotMatch(run.stderr, /not counted/);
  });

  it("counts none of them for a period that ended before they were created", async () => {
    const run = await stagegateAs("dave", [
      "insights",
      "tasks",
      "--trail",
      trail,
      "--open-from-cluster",
      "-n",
      namespace,
      "--until",
      "2020-01-01T00:00:00Z",
      "-o",
      "json",
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), []);
  });

  it("shows the API server's refusal when the caller may not list tasks there", async () => {
    const run = await stagegateAs("mallory", [
      "insights",
      "tasks",
      "--trail",
      trail,
      "--open-from-cluster",
      "-n",
      namespace,
    ]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /list the open DeploymentTasks/);
    assert.match(run.stderr, /forbidden|not allowed|may not/i);
    assert.equal(run.stdout, "", "no rows computed without the open tasks");
  });

  it("says open tasks are left out without --open-from-cluster", async () => {
    const run = await stagegateAs("dave", ["insights", "tasks", "--trail", trail, "-o", "json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), []);
    assert.match(run.stderr, /Tasks open now are not archived and not counted; add --open-from-cluster/);
  });
});
