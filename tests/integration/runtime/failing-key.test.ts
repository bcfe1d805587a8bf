import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";
import {
  counterTotal,
  createConfigMap,
  isStamped,
  stampingController,
} from "../../support/stamping-controller.js";

describe("a key that fails forever", () => {
  let admin: KubeClient;
  let namespace: string;

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "failing-key");
  });
  after(() => admin.close());

  it("backs off on its own while every other key is reconciled", async () => {
    const poison = `${namespace}/poison`;
    const harness = stampingController(admin, namespace, { fail: new Set([poison]), workers: 2 });
    const stop = new AbortController();
    const runs = [harness.informer.run(stop.signal), harness.controller.run(stop.signal)];
    try {
      await harness.informer.waitForSync(stop.signal);
      await createConfigMap(admin, namespace, "poison");
      const healthy = Array.from({ length: 40 }, (_, i) => `healthy-${i}`);
      for (const name of healthy) await createConfigMap(admin, namespace, name);

      for (const name of healthy)
        await waitFor(`${name} to be reconciled`, () => isStamped(admin, namespace, name));
      await waitFor("the poison key to be retried several times", () =>
        (harness.calls.get(poison) ?? 0) >= 4 ? true : undefined,
      );

      assert.equal(await isStamped(admin, namespace, "poison"), undefined, "the failing key never succeeded");
      for (const name of healthy) {
        assert.ok(
          (harness.calls.get(`${namespace}/${name}`) ?? 0) <= 2,
          `${name} was not retried behind the poison key`,
        );
      }
      assert.ok((await counterTotal(harness.metrics, "controller_runtime_reconcile_errors_total")) >= 4);
      assert.ok((await counterTotal(harness.metrics, "workqueue_retries_total")) >= 4);
    } finally {
      stop.abort();
      await Promise.all(runs);
    }
  });
});
