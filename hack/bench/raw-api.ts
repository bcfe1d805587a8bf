import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { ResourceType } from "../../src/runtime/kube/resource.js";
import { ArrivalWatch } from "./arrival-watch.js";
import { runTimed, timesToWatch, type WriteTimings } from "./timed-runs.js";

/** Core ConfigMaps: the plainest namespaced write the API server has, the baseline every ratio divides by. */
export const configMap = {
  group: "",
  version: "v1",
  plural: "configmaps",
  kind: "ConfigMap",
  namespaced: true,
} as const satisfies ResourceType;

/** About the size of the Rollback task the receiver writes, so both writes carry a similar body to etcd. */
const PAYLOAD = "x".repeat(1536);

/**
 * Creates `count` ConfigMaps in `namespace` with the same client the rest of the run uses (`concurrency` in
 * flight), timing each create and the time until a watch started beforehand delivers its ADDED event.
 */
export async function timeConfigMapCreates(
  admin: KubeClient,
  namespace: string,
  { count, concurrency, prefix }: { count: number; concurrency: number; prefix: string },
): Promise<WriteTimings> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const watch = await ArrivalWatch.start(admin, configMap, namespace, (obj) => obj.metadata.name);
  try {
    const run = await runTimed(count, concurrency, async (i) => {
      await admin.create(
        configMap,
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: names[i], namespace, labels: { "stagegate.io/bench": prefix } },
          data: { payload: PAYLOAD },
        },
        namespace,
      );
    });
    return { run, toWatch: await timesToWatch(run, watch, names) };
  } finally {
    await watch.close();
  }
}
