// The API server sends a watch bookmark about once a minute. A bookmark carries only a resourceVersion (no
// name): the informer must take it as progress, not as a malformed object that restarts the watch.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Informer } from "../../../src/runtime/informer/informer.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { RuntimeMetrics } from "../../../src/runtime/metrics.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";
import { configMaps, counterTotal, createConfigMap } from "../../support/stamping-controller.js";

describe("watch bookmarks", () => {
  let admin: KubeClient;
  let namespace: string;

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "bookmarks");
  });
  after(() => admin.close());

  it("advances on a bookmark without restarting the watch", async () => {
    const metrics = new RuntimeMetrics();
    const informer = new Informer({
      client: admin,
      resource: configMaps,
      namespace,
      log: silentLogger,
      metrics: metrics.informer,
      stallTimeoutMs: 300_000,
      watchTimeoutSeconds: [600, 600],
    });
    const stop = new AbortController();
    const run = informer.run(stop.signal);
    try {
      await informer.waitForSync(stop.signal);
      await waitFor(
        "a bookmark from the API server",
        async () =>
          (await counterTotal(metrics, "stagegate_informer_bookmarks_total")) > 0 ? true : undefined,
        { timeoutMs: 240_000, intervalMs: 1_000 },
      );
      assert.equal(
        await counterTotal(metrics, "stagegate_informer_restarts_total"),
        0,
        "the watch never restarted",
      );
      await createConfigMap(admin, namespace, "after-bookmark");
      await waitFor("the object on the same watch", () => informer.store.get(`${namespace}/after-bookmark`));
      assert.equal(await counterTotal(metrics, "stagegate_informer_restarts_total"), 0);
      assert.equal(await counterTotal(metrics, "stagegate_informer_relists_total"), 0);
    } finally {
      stop.abort();
      await run;
    }
  });
});
