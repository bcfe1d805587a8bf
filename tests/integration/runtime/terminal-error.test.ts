import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Condition } from "../../../src/api/v1alpha1/condition.js";
import { resources } from "../../../src/controllers/resources.js";
import { realClock } from "../../../src/runtime/clock.js";
import { Controller } from "../../../src/runtime/controller.js";
import { TerminalError } from "../../../src/runtime/errors.js";
import { EventRecorder } from "../../../src/runtime/events.js";
import { Informer } from "../../../src/runtime/informer/informer.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { RuntimeMetrics } from "../../../src/runtime/metrics.js";
import { markStalled } from "../../../src/runtime/stalled.js";
import { writeStatus } from "../../../src/runtime/status-writer.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";
import { counterTotal } from "../../support/stamping-controller.js";

describe("a terminal reconcile error", () => {
  let operator: KubeClient;
  let admin: KubeClient;
  let namespace: string;

  before(async () => {
    admin = await clientFor("admin");
    operator = await clientFor("operator");
    namespace = await createTestNamespace(admin, "terminal");
  });
  after(() => {
    admin.close();
    operator.close();
  });

  it("marks the object Stalled with what to fix, warns once, and is not retried", async () => {
    const rt = resources.deploymentTask;
    const metrics = new RuntimeMetrics();
    const informer = new Informer({ client: operator, resource: rt, namespace, log: silentLogger });
    const events = new EventRecorder(operator, "stagegate.io/test", "test", silentLogger);
    const calls = new Map<string, number>();
    const controller = new Controller(
      {
        name: "terminal-test",
        primary: informer,
        reconcile: async (req) => {
          calls.set(req.name, (calls.get(req.name) ?? 0) + 1);
          const obj = informer.store.get(req.key);
          if (obj === undefined) return;
          if (req.name === "bad")
            throw new TerminalError("InvalidSpec", "spec.title must not say bad: rename the task.");
          await writeStatus(operator, rt, obj, { phase: "Ready" });
        },
        onTerminalError: async (req, err) => {
          const obj = informer.store.get(req.key);
          if (obj !== undefined)
            await markStalled({ client: operator, events, clock: realClock }, rt, obj, err);
        },
      },
      silentLogger,
      metrics,
    );
    const stop = new AbortController();
    const runs = [informer.run(stop.signal), controller.run(stop.signal)];
    try {
      await informer.waitForSync(stop.signal);
      for (const name of ["bad", "good-1", "good-2", "good-3"]) {
        await admin.create(
          rt,
          {
            apiVersion: "stagegate.io/v1alpha1",
            kind: "DeploymentTask",
            metadata: { name, namespace },
            spec: { type: "Checklist", title: name },
          },
          namespace,
        );
      }
      const stalled = await waitFor("bad to be Stalled", async () => {
        const obj = await admin.get(rt, "bad", namespace);
        const conditions = (obj.status as { conditions?: Condition[] } | undefined)?.conditions;
        return conditions?.find((c) => c.type === "Stalled" && c.status === "True");
      });
      assert.equal(stalled.reason, "InvalidSpec");
      assert.equal(stalled.message, "spec.title must not say bad: rename the task.");
      for (const name of ["good-1", "good-2", "good-3"]) {
        await waitFor(`${name} to be reconciled`, async () => {
          const obj = await admin.get(rt, name, namespace);
          return (obj.status as { phase?: string } | undefined)?.phase === "Ready" ? true : undefined;
        });
      }
      const warnings = await waitFor("the Warning event", async () => {
        const list = await admin.list(builtin.event, { namespace });
        const found = list.items.filter((e) => (e.regarding as { name?: string }).name === "bad");
        return found.length > 0 ? found : undefined;
      });
      assert.equal(warnings.length, 1, "one warning, not one per attempt");
      assert.equal(warnings[0]?.type, "Warning");
      assert.equal(warnings[0]?.reason, "InvalidSpec");
      assert.equal(
        await counterTotal(metrics, "workqueue_retries_total"),
        0,
        "a terminal error is never retried",
      );
      assert.ok((calls.get("bad") ?? 0) <= 2, "reconciled once, and once more for its own status write");
      assert.ok((await counterTotal(metrics, "controller_runtime_terminal_reconcile_errors_total")) >= 1);
    } finally {
      stop.abort();
      await Promise.all(runs);
    }
  });
});
