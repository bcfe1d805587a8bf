// A forced 410 Gone: the informer's connection is cut while objects are created and deleted and etcd is
// compacted past its resourceVersion; when the connection returns, its watch is refused as too old and it must
// relist, dropping what was deleted meanwhile and picking up what was created. This file starts its own
// control plane, without the watch cache and with compaction every second, so the 410 comes from etcd itself.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { startLocalCluster, type LocalCluster } from "../../../hack/local-cluster/index.js";
import { Informer } from "../../../src/runtime/informer/informer.js";
import { isGone } from "../../../src/runtime/kube/api-error.js";
import { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { RuntimeMetrics } from "../../../src/runtime/metrics.js";
import { waitFor } from "../../support/kube.js";
import { configMaps, counterTotal, createConfigMap } from "../../support/stamping-controller.js";
import { TcpProxy } from "../../support/tcp-proxy.js";

/** Whether a watch from `resourceVersion` is refused as too old (HTTP 410 or an in-stream 410 ERROR). */
async function isCompactedPast(
  client: KubeClient,
  namespace: string,
  resourceVersion: string,
): Promise<true | undefined> {
  try {
    const watch = await client.watch(configMaps, { namespace, resourceVersion, timeoutSeconds: 1 });
    try {
      for await (const event of watch.events) {
        return event.type === "ERROR" && event.object.code === 410 ? true : undefined;
      }
    } finally {
      watch.close();
    }
  } catch (err) {
    if (isGone(err)) return true;
    throw err;
  }
  return undefined;
}

describe("informer after its watch's resourceVersion was compacted away", () => {
  let cluster: LocalCluster;
  let admin: KubeClient;
  let viaProxy: KubeClient;
  let proxy: TcpProxy;
  const namespace = "gone";

  before(async () => {
    cluster = await startLocalCluster({
      thirdPartyCrds: false,
      extraApiserverFlags: ["--watch-cache=false", "--etcd-compaction-interval=1s"],
    });
    const adminConfig = cluster.kubeconfigs.admin ?? "";
    admin = await KubeClient.connect(adminConfig);
    proxy = new TcpProxy(Number(new URL(cluster.server).port));
    const port = await proxy.listen();
    const proxied = path.join(cluster.dir, "proxied.kubeconfig");
    writeFileSync(
      proxied,
      readFileSync(adminConfig, "utf8").replace(cluster.server, `https://127.0.0.1:${port}`),
    );
    viaProxy = await KubeClient.connect(proxied);
    await admin.create(builtin.namespace, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: namespace },
    });
  });

  after(async () => {
    admin?.close();
    viaProxy?.close();
    await proxy?.close();
    await cluster?.stop();
  });

  it("relists on 410, forgetting objects deleted and learning objects created while it was away", async () => {
    const metrics = new RuntimeMetrics();
    const informer = new Informer({
      client: viaProxy,
      resource: configMaps,
      namespace,
      log: silentLogger,
      metrics: metrics.informer,
      backoffMs: [100, 500],
    });
    const deleted: string[] = [];
    informer.subscribe((event) => {
      if (event.type === "deleted") deleted.push(event.object.metadata.name);
    });
    const stop = new AbortController();
    const run = informer.run(stop.signal);
    try {
      await createConfigMap(admin, namespace, "kept");
      await createConfigMap(admin, namespace, "doomed");
      await informer.waitForSync(stop.signal);
      const seen = await waitFor("the informer to see both objects", () =>
        informer.store.get(`${namespace}/doomed`) !== undefined &&
        informer.store.get(`${namespace}/kept`) !== undefined
          ? informer.store.get(`${namespace}/doomed`)
          : undefined,
      );
      const staleVersion = seen.metadata.resourceVersion ?? "";

      proxy.cutOff();
      await admin.delete(configMaps, "doomed", namespace);
      await createConfigMap(admin, namespace, "born-while-away");
      await waitFor("etcd to compact past the informer's resourceVersion", async () => {
        await admin.patch(
          configMaps,
          "kept",
          namespace,
          { data: { tick: String(Date.now()) } },
          { type: "merge" },
        );
        return isCompactedPast(admin, namespace, staleVersion);
      });
      const relistsBefore = await counterTotal(metrics, "stagegate_informer_relists_total");
      proxy.restore();

      await waitFor("the informer to relist", async () =>
        (await counterTotal(metrics, "stagegate_informer_relists_total")) > relistsBefore ? true : undefined,
      );
      await waitFor("the new object in the cache", () => informer.store.get(`${namespace}/born-while-away`));
      assert.equal(informer.store.get(`${namespace}/doomed`), undefined, "the deleted object left the cache");
      assert.ok(deleted.includes("doomed"), "listeners were told about the delete they missed");
    } finally {
      stop.abort();
      await run;
    }
  });
});
