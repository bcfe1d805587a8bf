import type { KubeClient } from "../../src/runtime/kube/client.js";
import { configMap } from "./raw-api.js";
import { runTimed, type TimedRun } from "./timed-runs.js";

/**
 * Changes each of the ConfigMaps `names` once with a JSON merge patch (`concurrency` in flight), timing each: the
 * raw update rate the operator's patches are compared with.
 */
export function timeConfigMapUpdates(
  admin: KubeClient,
  namespace: string,
  { names, concurrency }: { names: readonly string[]; concurrency: number },
): Promise<TimedRun> {
  return runTimed(names.length, concurrency, async (i) => {
    await admin.patch(
      configMap,
      names[i] ?? "",
      namespace,
      { data: { updated: String(i) } },
      { type: "merge" },
    );
  });
}
