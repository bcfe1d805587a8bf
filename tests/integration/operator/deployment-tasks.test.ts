// The operator as its own process, with its own RBAC identity, reconciling DeploymentTasks and Environments in
// the shared test cluster: dependencies unblock, cycles stall only the tasks on them, due dates flip Overdue at
// the due time, completedAt is stamped once, and environments are ordered.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { Condition } from "../../../src/api/v1alpha1/condition.js";
import { resources } from "../../../src/controllers/resources.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { kubeconfigPath } from "../../support/cluster.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";
import { startOperator, type OperatorProcess } from "../../support/operator-process.js";

interface TaskView {
  phase?: string;
  conditions?: Condition[];
  completedAt?: string;
  blockedBy?: string[];
}

describe("DeploymentTask and Environment controllers (operator process)", () => {
  let admin: KubeClient;
  let namespace: string;
  let operator: OperatorProcess;

  async function createTask(name: string, spec: Record<string, unknown>): Promise<void> {
    await admin.create(
      resources.deploymentTask,
      {
        apiVersion: "stagegate.io/v1alpha1",
        kind: "DeploymentTask",
        metadata: { name, namespace },
        spec: { type: "Checklist", title: name, ...spec },
      },
      namespace,
    );
  }

  async function view(name: string): Promise<TaskView> {
    const obj = await admin.get(resources.deploymentTask, name, namespace);
    return obj.status ?? {};
  }

  function condition(v: TaskView, type: string): Condition | undefined {
    return v.conditions?.find((c) => c.type === type);
  }

  /** Waits until a task reaches a phase and returns its status. */
  function phase(name: string, expected: string): Promise<TaskView> {
    return waitFor(`task ${name} to be ${expected}`, async () => {
      const v = await view(name);
      return v.phase === expected ? v : undefined;
    });
  }

  async function completeChecklist(name: string, items: string[]): Promise<void> {
    await admin.patch(
      resources.deploymentTask,
      name,
      namespace,
      { spec: { checklist: items.map((item) => ({ name: item, state: "Done" })) } },
      { type: "merge" },
    );
  }

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "tasks");
    operator = startOperator(kubeconfigPath("operator"), [
      `--namespace=${namespace}`,
      "--leader-elect=false",
    ]);
    await operator.waitForLog("Serving probes and metrics");
    await operator.waitForLog("Started workers", { controller: "deploymenttask" });
  });
  after(async () => {
    await operator?.stop();
    admin?.close();
  });

  it("unblocks a task the moment its last dependency succeeds", async () => {
    await createTask("build", { checklist: [{ name: "compile" }] });
    await createTask("deploy", { dependsOn: ["build"], checklist: [{ name: "rollout" }] });
    await createTask("verify", { dependsOn: ["build", "deploy"], checklist: [{ name: "smoke" }] });

    await phase("build", "Ready");
    const blocked = await phase("verify", "Blocked");
    assert.equal(condition(blocked, "Blocked")?.reason, "DependenciesPending");
    assert.match(condition(blocked, "Blocked")?.message ?? "", /build/);
    assert.deepEqual(blocked.blockedBy, ["build", "deploy"]);

    await completeChecklist("build", ["compile"]);
    const built = await phase("build", "Succeeded");
    assert.ok(built.completedAt, "completedAt is stamped");
    await phase("deploy", "Ready");
    assert.deepEqual((await phase("verify", "Blocked")).blockedBy, ["deploy"]);

    await completeChecklist("deploy", ["rollout"]);
    await phase("verify", "Ready");
  });

  it("names a missing dependency, and stamps completedAt once", async () => {
    await createTask("orphan", { dependsOn: ["ghost"], checklist: [{ name: "x" }] });
    const orphan = await phase("orphan", "Blocked");
    assert.equal(condition(orphan, "Blocked")?.reason, "DependencyMissing");
    assert.match(condition(orphan, "Blocked")?.message ?? "", /ghost does not exist/);

    await createTask("ghost", { checklist: [{ name: "x", state: "Done" }] });
    const ghost = await phase("ghost", "Succeeded");
    await phase("orphan", "Ready");

    await admin.patch(
      resources.deploymentTask,
      "ghost",
      namespace,
      { spec: { title: "renamed later" } },
      { type: "merge" },
    );
    await waitFor("the edit to be observed", async () => {
      const obj = await admin.get(resources.deploymentTask, "ghost", namespace);
      const status = (obj.status ?? {}) as { observedGeneration?: number };
      return status.observedGeneration === obj.metadata.generation ? true : undefined;
    });
    assert.equal((await view("ghost")).completedAt, ghost.completedAt, "completedAt never changes");
  });

  it("stalls every task on a cycle with the cycle spelled out, and keeps everything else flowing", async () => {
    await createTask("cycle-x", { dependsOn: ["cycle-y"] });
    await createTask("cycle-y", { dependsOn: ["cycle-x"] });
    await createTask("downstream", { dependsOn: ["cycle-x"] });
    await createTask("bystander", { checklist: [{ name: "x", state: "Done" }] });

    for (const name of ["cycle-x", "cycle-y"]) {
      const v = await waitFor(`${name} to be Stalled`, async () => {
        const s = await view(name);
        return condition(s, "Stalled")?.status === "True" ? s : undefined;
      });
      assert.equal(condition(v, "Stalled")?.reason, "DependencyCycle");
      assert.match(
        condition(v, "Stalled")?.message ?? "",
        /cycle-x -> cycle-y -> cycle-x|cycle-y -> cycle-x -> cycle-y/,
      );
    }
    const downstream = await phase("downstream", "Blocked");
    assert.notEqual(
      condition(downstream, "Stalled")?.status,
      "True",
      "a task behind a cycle is blocked, not stalled",
    );
    await phase("bystander", "Succeeded");
    assert.equal(operator.child.exitCode, null, "the operator is still running");
  });

  it("stalls a task whose spec the API admits but cannot be worked with, naming the field, and keeps serving", async () => {
    await createTask("absurd-sla", { sla: "99999999999h", checklist: [{ name: "x" }] });
    const v = await waitFor("absurd-sla to be Stalled", async () => {
      const s = await view("absurd-sla");
      return condition(s, "Stalled")?.status === "True" ? s : undefined;
    });
    assert.equal(condition(v, "Stalled")?.reason, "InvalidSpec");
    assert.match(condition(v, "Stalled")?.message ?? "", /spec\.sla: "99999999999h" is too long/);
    await createTask("after-absurd", { checklist: [{ name: "x", state: "Done" }] });
    await phase("after-absurd", "Succeeded");
    assert.equal(operator.child.exitCode, null, "the operator is still running");
  });

  it("turns Overdue at the due time, warns, and counts it in the overdue gauge", async () => {
    await createTask("late", { sla: "3s", checklist: [{ name: "never" }] });
    const early = await phase("late", "Ready");
    assert.equal(condition(early, "Overdue")?.status, "False");
    const late = await waitFor("late to be Overdue", async () => {
      const v = await view("late");
      return condition(v, "Overdue")?.status === "True" ? v : undefined;
    });
    assert.equal(condition(late, "Overdue")?.reason, "PastDue");

    const events = await waitFor("an Overdue warning event", async () => {
      const list = await admin.list(builtin.event, { namespace });
      const found = list.items.filter(
        (e) => e.reason === "Overdue" && (e.regarding as { name?: string }).name === "late",
      );
      return found.length > 0 ? found : undefined;
    });
    assert.equal(events[0]?.type, "Warning");

    const metrics = await operator.metrics();
    assert.match(
      metrics,
      new RegExp(`stagegate_deploymenttasks_overdue\\{namespace="${namespace}",type="Checklist"\\} 1`),
    );
  });

  it("orders environments and reports a promotion cycle", async () => {
    const p = `e2e-${randomBytes(2).toString("hex")}`;
    const env = (name: string, promotesFrom: string[]) => ({
      apiVersion: "stagegate.io/v1alpha1",
      kind: "Environment",
      metadata: { name: `${p}-${name}` },
      spec: { promotesFrom: promotesFrom.map((n) => `${p}-${n}`) },
    });
    for (const e of [
      env("dev", []),
      env("test", ["dev"]),
      env("prod", ["test"]),
      env("loop-a", ["loop-b"]),
      env("loop-b", ["loop-a"]),
    ]) {
      await admin.create(resources.environment, e);
    }
    const orderOf = (name: string) =>
      waitFor(`${name} to be ordered`, async () => {
        const s = (await admin.get(resources.environment, `${p}-${name}`)).status as
          { order?: number } | undefined;
        return s?.order;
      });
    assert.deepEqual([await orderOf("dev"), await orderOf("test"), await orderOf("prod")], [0, 1, 2]);
    // Until loop-b exists, loop-a reports UnknownPredecessor; once both exist, the cycle.
    const loop = await waitFor("the loop to be reported", async () => {
      const s = (await admin.get(resources.environment, `${p}-loop-a`)).status as
        { conditions?: Condition[] } | undefined;
      const ready = s?.conditions?.find((c) => c.type === "Ready");
      return ready?.reason === "OrderCycle" ? ready : undefined;
    });
    assert.equal(loop.status, "False");
    assert.match(loop.message, new RegExp(`${p}-loop-a.*${p}-loop-b|${p}-loop-b.*${p}-loop-a`));
    for (const name of ["dev", "test", "prod", "loop-a", "loop-b"])
      await admin.delete(resources.environment, `${p}-${name}`);
  });
});
