// The informer and controller survive what real clusters do: the API server killed and restarted mid-watch,
// and the API server frozen (SIGSTOP) past the watchdog timeout. This file starts its own control plane,
// because it kills and freezes it.
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { startLocalCluster, type LocalCluster } from "../../../hack/local-cluster/index.js";
import { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { waitFor } from "../../support/kube.js";
import { startOperator } from "../../support/operator-process.js";
import {
  counterTotal,
  createConfigMap,
  isStamped,
  stampingController,
} from "../../support/stamping-controller.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

describe("runtime against a failing API server", () => {
  let cluster: LocalCluster;
  let admin: KubeClient;
  let operator: KubeClient;
  const namespace = "chaos";
  const stop = new AbortController();
  let runs: Promise<void>[] = [];
  let harness: ReturnType<typeof stampingController>;

  before(async () => {
    cluster = await startLocalCluster({ thirdPartyCrds: false, installCrdsFrom: [path.join(repo, "crds")] });
    const adminConfig = cluster.kubeconfigs.admin;
    assert.ok(adminConfig);
    admin = await KubeClient.connect(adminConfig);
    operator = await KubeClient.connect(adminConfig);
    await admin.create(builtin.namespace, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: namespace },
    });
    harness = stampingController(operator, namespace, { stallTimeoutMs: 2_000 });
    runs = [harness.informer.run(stop.signal), harness.controller.run(stop.signal)];
    await harness.informer.waitForSync(stop.signal);
  });

  after(async () => {
    stop.abort();
    await Promise.all(runs);
    admin?.close();
    operator?.close();
    await cluster?.stop();
  });

  it("reconciles objects created while its watch was down, after the API server is killed and restarted", async () => {
    await createConfigMap(admin, namespace, "before-kill");
    await waitFor("before-kill to be reconciled", () => isStamped(admin, namespace, "before-kill"));

    const restartsBefore = await counterTotal(harness.metrics, "stagegate_informer_restarts_total");
    await cluster.apiserver.kill();
    await waitFor("the informer to notice the outage", async () =>
      (await counterTotal(harness.metrics, "stagegate_informer_restarts_total")) > restartsBefore
        ? true
        : undefined,
    );
    await cluster.apiserver.restart();
    for (const name of ["after-restart-1", "after-restart-2", "after-restart-3"]) {
      await waitFor(`create ${name}`, async () => {
        await createConfigMap(admin, namespace, name);
        return true;
      });
    }
    for (const name of ["after-restart-1", "after-restart-2", "after-restart-3"]) {
      await waitFor(`${name} to be reconciled`, () => isStamped(admin, namespace, name), {
        timeoutMs: 60_000,
      });
    }
    assert.ok(harness.informer.store.get(`${namespace}/after-restart-3`), "the cache holds the new object");
  });

  it("detects a silent stall (SIGSTOP past the watchdog timeout), rebuilds the watch and keeps reconciling", async () => {
    const stallsBefore = await counterTotal(harness.metrics, "stagegate_informer_watch_stalls_total");
    const restartsBefore = await counterTotal(harness.metrics, "stagegate_informer_restarts_total");
    cluster.apiserver.pause();
    try {
      await waitFor(
        "the watchdog to declare the watch stalled",
        async () =>
          (await counterTotal(harness.metrics, "stagegate_informer_watch_stalls_total")) > stallsBefore
            ? true
            : undefined,
        { timeoutMs: 30_000 },
      );
      // The rebuilt watch cannot get an answer from a frozen server: its connect deadline fails it, and the
      // informer backs off and retries instead of waiting forever.
      await waitFor(
        "the rebuilt watch to time out against the frozen server",
        async () =>
          (await counterTotal(harness.metrics, "stagegate_informer_restarts_total")) > restartsBefore
            ? true
            : undefined,
        { timeoutMs: 30_000 },
      );
    } finally {
      cluster.apiserver.resume();
    }
    await waitFor("create after-resume", async () => {
      await createConfigMap(admin, namespace, "after-resume");
      return true;
    });
    await waitFor("after-resume to be reconciled", () => isStamped(admin, namespace, "after-resume"), {
      timeoutMs: 60_000,
    });
  });

  it("serves /healthz at once and /readyz only after its caches synced", async () => {
    cluster.apiserver.pause();
    const op = startOperator(cluster.kubeconfigs.admin ?? "", ["--leader-elect=false"]);
    try {
      const serving = await op.waitForLog("Serving probes and metrics");
      const probe = (path: string) =>
        fetch(`http://127.0.0.1:${Number(serving.probePort)}${path}`).then((r) => r.status);
      assert.equal(await probe("/healthz"), 200);
      assert.equal(await probe("/readyz"), 503, "not ready while the API server cannot be listed");
      cluster.apiserver.resume();
      await waitFor(
        "/readyz to turn 200",
        async () => ((await probe("/readyz")) === 200 ? true : undefined),
        {
          timeoutMs: 60_000,
        },
      );
    } finally {
      cluster.apiserver.resume();
      await op.stop();
    }
  });
});
