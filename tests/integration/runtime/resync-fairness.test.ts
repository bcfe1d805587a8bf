// Issue 12, the 10,000-release run: the periodic resync of a watched informer (Applications, Environments) mapped
// every cached object to its release and queued them all `normal`, so every release not started yet jumped ahead
// of the releases in flight, whose next passes then waited a whole round of the queue (ADR 0063). Against the real
// API server, with real informers and the real controller and queue: an object in flight whose watched object
// changes is handed out before any object not started yet, resync or not. (Since ADR 0068 a watched informer's
// resync queues nothing at all; a period under a second is still one slice, so a round here is synchronous.)
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Controller } from "../../../src/runtime/controller.js";
import { Informer } from "../../../src/runtime/informer/informer.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { RuntimeMetrics } from "../../../src/runtime/metrics.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";
import { createConfigMap } from "../../support/stamping-controller.js";

/** The label naming the primary ConfigMap a Secret stands for (as an Application stands for its release). */
const TARGET = "stagegate.io/test-target";
const NOT_STARTED = ["new-0", "new-1", "new-2", "new-3", "new-4"];

describe("a watched informer's resync", () => {
  let admin: KubeClient;
  let namespace: string;

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "resync-fairness");
  });
  after(() => admin.close());

  async function createSecret(name: string, target: string): Promise<void> {
    await admin.create(
      builtin.secret,
      {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name, namespace, labels: { [TARGET]: target } },
        stringData: { state: "pending" },
      },
      namespace,
    );
  }

  it("does not queue objects not started yet ahead of an object in flight", async () => {
    const primary = new Informer({
      client: admin,
      resource: builtin.configMap,
      namespace,
      log: silentLogger,
      resyncMs: 0,
    });
    // Resyncs often, so a round of it surely falls between the objects' creation and the gate opening below.
    const watched = new Informer({
      client: admin,
      resource: builtin.secret,
      namespace,
      log: silentLogger,
      resyncMs: 50,
    });
    const handedOut: string[] = [];
    let openGate = (): void => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const controller = new Controller(
      {
        name: `resync-fairness-${namespace}`,
        primary,
        // One worker, held by `blocker` until the queue is arranged: the order the rest is handed out in is the
        // queue's alone.
        workers: 1,
        reconcile: async (req) => {
          handedOut.push(req.name);
          if (req.name === "blocker") await gate;
        },
        watches: [
          {
            informer: watched,
            // As a release's index of targets: a delivery object wakes only a release that exists.
            toKeys: (event) => {
              const target = event.object.metadata.labels?.[TARGET];
              if (target === undefined) return [];
              const key = `${namespace}/${target}`;
              return primary.store.get(key) === undefined ? [] : [key];
            },
          },
        ],
      },
      silentLogger,
      new RuntimeMetrics(),
    );

    const stop = new AbortController();
    const runs = [primary.run(stop.signal), watched.run(stop.signal)];
    try {
      await primary.waitForSync(stop.signal);
      await watched.waitForSync(stop.signal);
      runs.push(controller.run(stop.signal));

      // The delivery objects exist first, the one of the release in flight last (so a resync re-delivers it last).
      for (const name of NOT_STARTED) await createSecret(`app-${name}`, name);
      await createSecret("app-flight", "flight");
      await waitFor("the Secrets to be cached", () => (watched.store.keys().length === 6 ? true : undefined));

      // The release in flight: its first pass ran and asked its delivery tool for something.
      await createConfigMap(admin, namespace, "flight");
      await waitFor("the first pass of flight", () => (handedOut.includes("flight") ? true : undefined));
      // The only worker is busy; releases created now wait in the queue, not started.
      await createConfigMap(admin, namespace, "blocker");
      await waitFor("the blocker to hold the worker", () =>
        handedOut.includes("blocker") ? true : undefined,
      );
      for (const name of NOT_STARTED) await createConfigMap(admin, namespace, name);
      await waitFor("the releases not started to be cached", () =>
        NOT_STARTED.every((name) => primary.store.get(`${namespace}/${name}`) !== undefined)
          ? true
          : undefined,
      );

      // A whole round of the watched informer's resync after they are all queued (a round of 50 ms is one slice).
      let resynced = false;
      let changed = false;
      watched.subscribe((event) => {
        if (event.object.metadata.name !== "app-flight") return;
        if (event.type === "resync") resynced = true;
        if (event.type === "updated") changed = true;
      });
      await waitFor("a resync of the delivery objects", () => (resynced ? true : undefined));

      // The delivery tool finishes the release in flight's request.
      await admin.patch(
        builtin.secret,
        "app-flight",
        namespace,
        { stringData: { state: "synced" } },
        { type: "merge" },
      );
      await waitFor("the change to reach the controller", () => (changed ? true : undefined));

      openGate();
      await waitFor("every release to be handed out", () =>
        NOT_STARTED.every((name) => handedOut.includes(name)) &&
        handedOut.filter((name) => name === "flight").length >= 2
          ? true
          : undefined,
      );

      const after = handedOut.slice(handedOut.indexOf("blocker") + 1);
      assert.equal(
        after[0],
        "flight",
        `the release in flight goes before those not started; handed out after the blocker: ${after.join(", ")}`,
      );
      assert.deepEqual(
        [...new Set(after.filter((name) => NOT_STARTED.includes(name)))],
        NOT_STARTED,
        "the releases not started start in the order they were created",
      );
    } finally {
      stop.abort();
      openGate();
      await Promise.all(runs);
    }
  });
});
