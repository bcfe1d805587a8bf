import type { KubeClient } from "../../src/runtime/kube/client.js";
import { Informer } from "../../src/runtime/informer/informer.js";
import { Controller } from "../../src/runtime/controller.js";
import { RuntimeMetrics } from "../../src/runtime/metrics.js";
import { silentLogger } from "../../src/runtime/logging.js";
import type { ResourceType } from "../../src/runtime/kube/resource.js";
import { isNotFound } from "../../src/runtime/kube/api-error.js";

/** ConfigMaps: a built-in resource, so runtime tests do not depend on Stagegate's CRDs. */
export const configMaps: ResourceType = {
  group: "",
  version: "v1",
  plural: "configmaps",
  kind: "ConfigMap",
  namespaced: true,
};

export const RECONCILED = "stagegate.io/reconciled";

/**
 * A controller over ConfigMaps in one namespace whose reconcile stamps an annotation on each object, so a test
 * can read "was it reconciled" from the cluster itself. `fail` names keys whose reconcile always throws.
 */
export function stampingController(
  client: KubeClient,
  namespace: string,
  opts: { stallTimeoutMs?: number; fail?: Set<string>; workers?: number } = {},
): { informer: Informer; controller: Controller; metrics: RuntimeMetrics; calls: Map<string, number> } {
  const metrics = new RuntimeMetrics();
  const informer = new Informer({
    client,
    resource: configMaps,
    namespace,
    log: silentLogger,
    metrics: metrics.informer,
    stallTimeoutMs: opts.stallTimeoutMs ?? 90_000,
    backoffMs: [100, 1_000],
  });
  const calls = new Map<string, number>();
  const controller = new Controller(
    {
      name: `stamp-${namespace}`,
      primary: informer,
      workers: opts.workers ?? 2,
      reconcile: async (req) => {
        calls.set(req.key, (calls.get(req.key) ?? 0) + 1);
        if (opts.fail?.has(req.key) === true) throw new Error(`reconcile of ${req.key} always fails`);
        const obj = informer.store.get(req.key);
        if (obj === undefined || obj.metadata.annotations?.[RECONCILED] === "true") return;
        try {
          await client.patch(
            configMaps,
            req.name,
            req.namespace,
            { metadata: { annotations: { [RECONCILED]: "true" } } },
            { type: "merge" },
          );
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      },
    },
    silentLogger,
    metrics,
  );
  return { informer, controller, metrics, calls };
}

/** Reads one counter's total across label sets from a metrics registry. */
export async function counterTotal(metrics: RuntimeMetrics, name: string): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const data = await metric.get();
  return data.values.reduce((sum, v) => sum + v.value, 0);
}

/** Creates a ConfigMap, retrying while the API server is coming back. */
export async function createConfigMap(client: KubeClient, namespace: string, name: string): Promise<void> {
  await client.create(
    configMaps,
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data: { k: "v" } },
    namespace,
  );
}

/** Whether a ConfigMap carries the reconciled annotation; undefined while not (for waitFor). */
export async function isStamped(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<true | undefined> {
  const obj = await client.get(configMaps, name, namespace);
  return obj.metadata.annotations?.[RECONCILED] === "true" ? true : undefined;
}
