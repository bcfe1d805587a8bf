// Runs a StatefulSet installed on a local cluster (which has only etcd and kube-apiserver) the way a cluster with
// controllers and kubelets would: its pods and claims are made from the set as the API server holds it
// (statefulset-pods.ts), and each pod runs on this machine under a kubelet of its own (pod-kubelet.ts), started
// together (`podManagementPolicy: Parallel`). The container runs the image's entrypoint, which here is the
// checkout's `bin/stagegate` (the container image is built elsewhere).
import { randomInt } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { LocalCluster } from "../../hack/local-cluster/index.js";
import { REPO } from "../../hack/chart/layout.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { runPod, type RunningPod } from "./pod-kubelet.js";
import { createStatefulSetPods, publishRootCa } from "./statefulset-pods.js";

/**
 * Where the container sees this checkout (the image's files), and its `stagegate` entrypoint there. A fixed path
 * outside every volume: a checkout under /tmp would otherwise be hidden by the pod's /tmp volume.
 */
const IMAGE_FILES = { source: REPO, target: "/opt/stagegate" } as const;
export const STAGEGATE_ENTRYPOINT = [path.join(IMAGE_FILES.target, "bin", "stagegate")] as const;
/** The environment a minimal image gives its entrypoint. */
const IMAGE_ENV = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/" };

/** The pods of one StatefulSet, running. */
export interface StatefulSetRun {
  readonly pods: readonly RunningPod[];
  /** The pod named `name`. */
  pod(name: string): RunningPod;
  /** Stops every pod. */
  close(): Promise<void>;
}

/**
 * Creates the pods of StatefulSet `namespace/name`, sets each up and starts its container, and waits until every
 * pod is Ready. Pod IPs are loopback addresses in a range random for this run (127.x.y.10, .11, ...), so two runs on
 * one machine do not compete for the ports the chart renders.
 */
export async function runStatefulSet(options: {
  admin: KubeClient;
  cluster: Pick<LocalCluster, "server" | "caFile">;
  namespace: string;
  name: string;
  /** This run's directory on this machine (pods, claims' volumes, logs). */
  dir: string;
}): Promise<StatefulSetRun> {
  const { admin, cluster, namespace } = options;
  await publishRootCa(admin, namespace, await readFile(cluster.caFile, "utf8"));
  const specs = await createStatefulSetPods(admin, namespace, options.name);
  const subnet = `127.${randomInt(1, 255)}.${randomInt(1, 255)}`;
  const server = new URL(cluster.server);
  const pods: RunningPod[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(pods.map((p) => p.close()));
  };
  try {
    for (const [ordinal, pod] of specs.entries()) {
      pods.push(
        await runPod({
          admin,
          pod,
          podIP: `${subnet}.${10 + ordinal}`,
          podDir: path.join(options.dir, "pods", pod.metadata.name),
          storageDir: path.join(options.dir, "volumes"),
          entrypoint: STAGEGATE_ENTRYPOINT,
          imageEnv: IMAGE_ENV,
          imageFiles: IMAGE_FILES,
          apiserver: { host: server.hostname, port: Number(server.port) },
        }),
      );
    }
    await Promise.all(pods.map((p) => p.start()));
    await Promise.all(pods.map((p) => p.waitReady()));
  } catch (err) {
    await close();
    throw err;
  }
  return {
    pods,
    pod(name) {
      const found = pods.find((p) => p.name === name);
      if (found === undefined)
        throw new Error(`No pod ${name}; there are ${pods.map((p) => p.name).join(", ")}.`);
      return found;
    },
    close,
  };
}
