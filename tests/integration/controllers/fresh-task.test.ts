// A pass over a DeploymentTask whose write is confirmed by its precondition instead of a fresh read (ADR 0054): a
// copy the cache has not brought up to date is refused by the API server, and the decision is made again from the
// task as it is. Against the real API server; no controller runs, so the test alone moves the task.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { convergeTask } from "../../../src/controllers/fresh-task.js";
import { resources } from "../../../src/controllers/resources.js";
import { recordStepOnCopy } from "../../../src/controllers/rollback/apply.js";
import { ROLLBACK_ANNOTATION } from "../../../src/controllers/rollback/reasons.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { clientFor, createTestNamespace } from "../../support/kube.js";

let admin: KubeClient | undefined;
let namespace = "";
const a = (): KubeClient => {
  if (admin === undefined) throw new Error("no client");
  return admin;
};

before(async () => {
  admin = await clientFor("admin");
  namespace = await createTestNamespace(admin, "fresh-task");
});

after(async () => {
  await admin?.delete(builtin.namespace, namespace).catch(() => undefined);
  admin?.close();
});

async function createTask(name: string): Promise<KubeObject> {
  return a().create(
    resources.deploymentTask,
    {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "DeploymentTask",
      metadata: { name, namespace },
      spec: { type: "Checklist", title: "Tell the owner once", owners: [{ name: "otto" }] },
    },
    namespace,
  );
}

const NOTICE = {
  annotation: "ManualRollbackRequested",
  log: { time: "2026-12-07T00:00:00Z", author: "stagegate-operator", kind: "Comment", message: "Roll back." },
} as const;

/** One pass that tells the owner unless the task is cancelled, confirmed by the write's precondition. */
async function tellOnce(copy: KubeObject): Promise<string[]> {
  const decidedFrom: string[] = [];
  await convergeTask<"tell">(copy, {
    client: a(),
    req: { name: copy.metadata.name, namespace },
    opts: {},
    maxAttempts: 3,
    decide(task) {
      decidedFrom.push(task.metadata.resourceVersion ?? "?");
      const cancelled = (task.spec as { cancelled?: boolean }).cancelled === true;
      return Promise.resolve(
        cancelled ? { done: {} } : { decision: "tell", writesTask: true, confirmedByPrecondition: true },
      );
    },
    async write(task) {
      await recordStepOnCopy(a(), task, NOTICE, {});
      return {};
    },
  });
  return decidedFrom;
}

describe("A task write confirmed by its precondition", () => {
  it("writes from the copy it was decided from when that copy is current", async () => {
    const copy = await createTask("current-copy");
    const decidedFrom = await tellOnce(copy);
    assert.deepEqual(decidedFrom, [copy.metadata.resourceVersion], "decided once, from the copy");
    const task = await a().get(resources.deploymentTask, "current-copy", namespace);
    assert.equal(task.metadata.annotations?.[ROLLBACK_ANNOTATION], "ManualRollbackRequested");
    assert.equal((task.spec as { log: unknown[] }).log.length, 1);
  });

  it("is refused on a stale copy and decided again from the task as a person left it", async () => {
    const copy = await createTask("stale-copy");
    // A person cancels the task after the copy was taken (the cache has not seen it yet).
    const cancelled = await a().patch(
      resources.deploymentTask,
      "stale-copy",
      namespace,
      { spec: { cancelled: true } },
      { type: "merge" },
    );
    const decidedFrom = await tellOnce(copy);
    assert.deepEqual(
      decidedFrom,
      [copy.metadata.resourceVersion, cancelled.metadata.resourceVersion],
      "decided from the stale copy, refused, then decided again from a fresh read",
    );
    const task = await a().get(resources.deploymentTask, "stale-copy", namespace);
    assert.equal(task.metadata.annotations?.[ROLLBACK_ANNOTATION], undefined, "nothing told");
    assert.deepEqual((task.spec as { log: unknown[] }).log, [], "no log entry on the cancelled task");
    assert.equal(task.metadata.resourceVersion, cancelled.metadata.resourceVersion, "no write landed");
  });
});
