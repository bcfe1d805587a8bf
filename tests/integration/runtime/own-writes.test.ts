import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { resources } from "../../../src/controllers/resources.js";
import { Informer, type InformerEvent } from "../../../src/runtime/informer/informer.js";
import { takeInOwnWrites } from "../../../src/runtime/informer/own-writes.js";
import { trimmedForCache, type CacheTransform } from "../../../src/runtime/informer/transform.js";
import { isConflict } from "../../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { writeStatus } from "../../../src/runtime/status-writer.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";

const rt = resources.deploymentTask;

function task(name: string, namespace: string): Record<string, unknown> {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "DeploymentTask",
    metadata: { name, namespace },
    spec: { type: "Checklist", title: "Own writes test" },
  };
}

/**
 * An informer whose watch is stopped once it has synced, so the cache moves only by what the test does: the watch
 * event of a write can never arrive first and hide what applyOwnWrite does or does not do.
 */
async function frozenInformer(
  client: KubeClient,
  namespace: string,
  transform?: CacheTransform,
): Promise<{ informer: Informer; heard: InformerEvent[] }> {
  const informer = new Informer({ client, resource: rt, namespace, log: silentLogger, transform });
  const stop = new AbortController();
  const running = informer.run(stop.signal);
  await informer.waitForSync();
  stop.abort();
  await running;
  const heard: InformerEvent[] = [];
  informer.subscribe((event) => heard.push(event));
  return { informer, heard };
}

describe("an informer taking in its own process's writes", () => {
  let admin: KubeClient;
  let operator: KubeClient;
  let namespace: string;

  before(async () => {
    admin = await clientFor("admin");
    operator = await clientFor("operator");
    namespace = await createTestNamespace(admin, "own-writes");
    for (const name of ["written", "raced", "fresh"])
      await admin.create(rt, task(name, namespace), namespace);
    await waitFor("the tasks listed", async () =>
      (await admin.list(rt, { namespace })).items.length === 3 ? true : undefined,
    );
  });
  after(() => {
    admin.close();
    operator.close();
  });

  it("serves the status it just wrote, so the next write carries the stored version and is not refused 409", async () => {
    const trim = trimmedForCache({ keepManagedFieldsOwning: [], dropAnnotations: [] });
    const { informer, heard } = await frozenInformer(operator, namespace, trim);
    const remove = takeInOwnWrites(operator, [informer]);
    try {
      const key = `${namespace}/written`;
      const cached = informer.store.get(key);
      assert.ok(cached);
      const first = await writeStatus(operator, rt, cached, { phase: "Ready", progress: "0/1" });
      assert.equal(first.written, true);
      const after = informer.store.get(key);
      assert.equal(
        after?.metadata.resourceVersion,
        first.object.metadata.resourceVersion,
        "the cache holds the write",
      );
      assert.deepEqual(after?.status, { phase: "Ready", progress: "0/1" });
      assert.notEqual(
        first.object.metadata.managedFields,
        undefined,
        "the API server returned managedFields",
      );
      assert.equal(
        after?.metadata.managedFields,
        undefined,
        "what is taken in goes through the cache's transform",
      );
      assert.deepEqual(
        heard.map((e) => [e.type, e.object.metadata.name, e.old?.metadata.resourceVersion]),
        [["updated", "written", cached.metadata.resourceVersion]],
        "listeners hear the update they would have heard from the watch",
      );
      // The next pass decides from the cache: its write lands on the first attempt, no 409 and no re-read.
      const second = await writeStatus(operator, rt, after ?? cached, { phase: "Ready", progress: "1/1" });
      assert.equal(second.attempts, 1);
    } finally {
      remove();
    }
  });

  it("keeps the cache as it is when someone else wrote in between: that write is refused and nothing is taken in", async () => {
    const { informer, heard } = await frozenInformer(operator, namespace);
    const remove = takeInOwnWrites(operator, [informer]);
    try {
      const key = `${namespace}/raced`;
      const cached = informer.store.get(key);
      assert.ok(cached);
      await admin.patch(
        rt,
        "raced",
        namespace,
        { metadata: { labels: { touched: "yes" } } },
        { type: "merge" },
      );
      await assert.rejects(
        operator.update(rt, { ...cached, status: { phase: "Ready" } }, "status"),
        isConflict,
      );
      assert.equal(informer.store.get(key), cached);
      assert.deepEqual(heard, []);
    } finally {
      remove();
    }
  });

  it("does not take in a write that replaced a version the cache has not seen: the watch brings the ones between", async () => {
    const { informer, heard } = await frozenInformer(operator, namespace);
    const remove = takeInOwnWrites(operator, [informer]);
    try {
      const key = `${namespace}/fresh`;
      const cached = informer.store.get(key);
      assert.ok(cached);
      await admin.patch(
        rt,
        "fresh",
        namespace,
        { metadata: { labels: { touched: "yes" } } },
        { type: "merge" },
      );
      const live = await operator.get(rt, "fresh", namespace);
      await operator.update(rt, { ...live, status: { phase: "Ready" } }, "status");
      assert.equal(informer.store.get(key), cached, "the cache still waits for the watch");
      assert.deepEqual(heard, []);
    } finally {
      remove();
    }
  });

  it("takes in a merge patch that names the version it changes, and not one that names none", async () => {
    await admin.create(rt, task("patched", namespace), namespace);
    const { informer, heard } = await (async () => {
      await waitFor("the task listed", async () =>
        (await admin.list(rt, { namespace })).items.some((t) => t.metadata.name === "patched")
          ? true
          : undefined,
      );
      return frozenInformer(operator, namespace);
    })();
    const remove = takeInOwnWrites(operator, [informer]);
    try {
      const key = `${namespace}/patched`;
      const cached = informer.store.get(key);
      assert.ok(cached);
      const labelled = { metadata: { labels: { step: "one" } } };
      const unconditional = await operator.patch(rt, "patched", namespace, labelled, { type: "merge" });
      assert.equal(informer.store.get(key), cached, "a patch naming no version is left to the watch");
      const fresh = await operator.patch(
        rt,
        "patched",
        namespace,
        { metadata: { resourceVersion: unconditional.metadata.resourceVersion, labels: { step: "two" } } },
        { type: "merge" },
      );
      assert.equal(informer.store.get(key), cached, "nor one replacing a version the cache has not seen");
      assert.deepEqual(heard, []);
      assert.notEqual(fresh.metadata.resourceVersion, cached.metadata.resourceVersion);
    } finally {
      remove();
    }
    const again = await frozenInformer(operator, namespace);
    const removeAgain = takeInOwnWrites(operator, [again.informer]);
    try {
      const key = `${namespace}/patched`;
      const cached = again.informer.store.get(key);
      assert.ok(cached);
      const patched = await operator.patch(
        rt,
        "patched",
        namespace,
        { metadata: { resourceVersion: cached.metadata.resourceVersion, labels: { step: "three" } } },
        { type: "merge" },
      );
      assert.equal(again.informer.store.get(key)?.metadata.resourceVersion, patched.metadata.resourceVersion);
      assert.equal(again.informer.store.get(key)?.metadata.labels?.step, "three");
      assert.equal(again.heard.length, 1);
    } finally {
      removeAgain();
    }
  });

  it("stops taking in the client's writes once removed", async () => {
    const { informer, heard } = await frozenInformer(operator, namespace);
    takeInOwnWrites(operator, [informer])();
    const key = `${namespace}/written`;
    const cached = informer.store.get(key);
    assert.ok(cached);
    await writeStatus(operator, rt, cached, { phase: "Ready", progress: "0/2" });
    assert.equal(informer.store.get(key), cached);
    assert.deepEqual(heard, []);
  });
});
