// The baselines of `make bench-scale`, measured before the operator starts: raw ConfigMap writes (the issue's
// baseline: creates, then merge-patch updates) and plain writes of Releases (the baseline fair to CRDs, raw-crd.ts),
// each with kube-apiserver's CPU per write, and on request a profile of the Release status patches.
import path from "node:path";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import type { LocalCluster } from "../local-cluster/index.js";
import { profileApiserver, releaseStatusProfileFile } from "./apiserver-profile.js";
import { cpuSeconds } from "./process-cpu.js";
import { timeConfigMapCreates } from "./raw-api.js";
import { timeReleaseWrites } from "./raw-crd.js";
import { timeConfigMapUpdates } from "./raw-updates.js";
import type { ScaleOptions } from "./scale-options.js";
import type { RawBaseline } from "./scale-report.js";
import { ENVIRONMENT } from "./scale-world.js";

/** Where the baselines write: a namespace of their own, apart from the promotions'. */
const RAW_NAMESPACE = "scale-raw";

/**
 * Measures both baselines, `--raw-writes` of each series with `--in-flight` at a time, and kube-apiserver's CPU over
 * each; the Releases are gone again when it returns.
 */
export async function rawBaselines(
  admin: KubeClient,
  options: ScaleOptions,
  cluster: LocalCluster,
  log: (line: string) => void,
): Promise<RawBaseline> {
  const apiserverCpu = () => cpuSeconds(cluster.apiserver.pid ?? -1);
  let profiledPatches: Promise<string> | undefined;
  await admin.create(builtin.namespace, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: RAW_NAMESPACE },
  });
  const { rawWrites: count, inFlight } = options;
  log(`Raw baseline: ${count} ConfigMap creates and ${count} updates, ${inFlight} in flight...`);
  const cpuBefore = await apiserverCpu();
  const creates = await timeConfigMapCreates(admin, RAW_NAMESPACE, {
    count,
    concurrency: inFlight,
    prefix: "raw",
  });
  const names = Array.from({ length: count }, (_, i) => `raw-${i}`);
  const updates = await timeConfigMapUpdates(admin, RAW_NAMESPACE, { names, concurrency: inFlight });
  const configMapCpu = (await apiserverCpu()) - cpuBefore;
  log(`Raw baseline: ${count} Release creates and ${count} status merge patches, ${inFlight} in flight...`);
  const releases = await timeReleaseWrites(admin, RAW_NAMESPACE, {
    count,
    concurrency: inFlight,
    environment: ENVIRONMENT,
    apiserverCpu,
    onPatchesStart: () => {
      if (options.apiserverProfile !== "") {
        const file = releaseStatusProfileFile(path.resolve(options.apiserverProfile));
        profiledPatches = profileApiserver(
          cluster,
          file,
          5,
          "from the CRD baseline's first status patch",
          log,
        );
      }
      return profiledPatches;
    },
  });
  if (profiledPatches !== undefined) console.log(await profiledPatches);
  return {
    apiserverCpuPerWrite: configMapCpu / (2 * count),
    apiserverCpuPerReleaseStatusPatch: releases.apiserverCpuPerStatusPatch,
    releaseCreatesPerSecond: releases.createsPerSecond,
    releaseStatusPatchesPerSecond: releases.statusPatchesPerSecond,
    releaseStatusPutsPerSecond: releases.statusPutsPerSecond,
    apiserverCpuPerReleaseStatusPut: releases.apiserverCpuPerStatusPut,
    inFlight,
    createsPerSecond: (count * 1000) / creates.run.spanMs,
    updatesPerSecond: (count * 1000) / updates.spanMs,
    writesPerSecond: (2 * count * 1000) / (creates.run.spanMs + updates.spanMs),
    toWatch: creates.toWatch,
  };
}
