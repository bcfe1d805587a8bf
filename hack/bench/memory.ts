// `make bench-memory`: the operator process's resident memory idle (compiled with the image's Node flags and with V8's
// defaults, and through tsx as before), next to a bare `node` process in the same run, and the heap its shared caches
// take per 1,000 releases with their targets and children, with and without the cache trimming (ADR 0034). See
// docs/benchmarks.md, "Memory".
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { builtin } from "../../src/runtime/kube/resource.js";
import { KubeClient } from "../../src/runtime/kube/client.js";
import { createEnvironment, ownsDeliveryIn } from "../../tests/support/controller-world.js";
import { startGitOpsStandIn } from "../../tests/support/e2e-gitops-stand-in.js";
import { startOperator, type OperatorProcess } from "../../tests/support/operator-process.js";
import { PROJECT_MANIFEST_DIRS, startLocalCluster } from "../local-cluster/index.js";
import { IMAGE_NODE_OPTIONS } from "../image/image-config.js";
import { Cleanup } from "./cleanup.js";
import { measureCacheHeap, type CacheHeap } from "./memory-cache.js";
import { marginalRows } from "./memory-marginal.js";
import { mib, settledMemory, startBareNode, type ResidentMemory } from "./memory-probes.js";
import {
  createReleases,
  PROD,
  PROD_GATE,
  STAGING,
  waitForChildren,
  waitForVerified,
} from "./memory-world.js";
import { textTable } from "./stats.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const NAMESPACE = "bench";
/** How long an idle process is watched before its resident memory is read. */
const SETTLE_MS = 15_000;

interface Options {
  releases: number;
  keepLogs: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { releases: 1000, keepLogs: false };
  for (const arg of argv) {
    const releases = /^--releases=(\d+)$/.exec(arg);
    if (releases?.[1] !== undefined && Number(releases[1]) > 0) options.releases = Number(releases[1]);
    else if (arg === "--keep-logs") options.keepLogs = true;
    else throw new Error(`unknown option ${arg}; usage: memory.ts [--releases=N (1000)] [--keep-logs]`);
  }
  return options;
}

const cleanup = new Cleanup();
cleanup.tearDownOnSignals();

/** Starts `stagegate run` as the bench's operator would run, and waits until its caches are synced. */
async function startSyncedOperator(
  kubeconfig: string,
  entry: "source" | "compiled",
  keepLogs: () => boolean,
  imageNodeOptions = true,
): Promise<OperatorProcess> {
  const operator = startOperator(kubeconfig, ["--leader-elect=false", "--log-level=info"], {
    entry,
    imageNodeOptions,
  });
  cleanup.defer(`stop the ${entry} operator`, async () => {
    await operator.stop();
    if (keepLogs()) console.error(`Kept the ${entry} operator's log in ${operator.logFile}`);
  });
  await operator.waitForLog("Synced every informer cache", {}, 120_000);
  return operator;
}

function rssRow(what: string, memory: ResidentMemory, baseline: ResidentMemory): string[] {
  return [
    what,
    memory.rssMiB.toFixed(1),
    memory.peakMiB.toFixed(1),
    (memory.rssMiB - baseline.rssMiB).toFixed(1),
    (memory.rssMiB / baseline.rssMiB).toFixed(2),
  ];
}

function heapRow(releases: number, trimmed: CacheHeap, untrimmed: CacheHeap): string[] {
  const per1000 = (bytes: number): string => mib((bytes / releases) * 1000);
  const o = trimmed.objects;
  return [
    String(releases),
    `${o.releases}/${o.argoCDApplications}/${o.deploymentTasks}/${o.changeRequests}/${o.approvals}`,
    per1000(untrimmed.bytes),
    per1000(trimmed.bytes),
    (trimmed.bytes / untrimmed.bytes).toFixed(2),
  ];
}

function jsonRow(releases: number, what: string, heap: CacheHeap): string[] {
  const j = heap.jsonBytes;
  const h = heap.heapPerObject;
  return [
    `${releases} ${what}`,
    ...[j.releases, j.argoCDApplications, j.deploymentTasks, j.changeRequests].map(String),
    ...[h.releases, h.argoCDApplications, h.deploymentTasks, h.changeRequests].map(String),
    // Per 1,000 releases, from the per-object heap: a release and one target (the shape), and a release
    // with this run's two targets, check task and change.
    mib((h.releases + h.argoCDApplications) * 1000),
    mib((h.releases + 2 * h.argoCDApplications + h.deploymentTasks + h.changeRequests) * 1000),
  ];
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  let failed = false;
  const keepLogs = (): boolean => failed || options.keepLogs;
  if (!existsSync(path.join(repo, "dist/cmd/stagegate.js"))) {
    throw new Error("dist/cmd/stagegate.js is missing: run `make build` (tsc -p tsconfig.build.json) first");
  }
  const load = (): string =>
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ");
  const loadBefore = load();
  try {
    console.log("Starting a local control plane...");
    const cluster = await startLocalCluster({
      installCrdsFrom: [...PROJECT_MANIFEST_DIRS],
    });
    cleanup.defer("stop the local control plane", () => cluster.stop({ keepLogs: keepLogs() }));
    const admin = await KubeClient.connect(cluster.kubeconfigs.admin);
    cleanup.defer("close the admin client", () => admin.close());
    const kubeconfig = cluster.kubeconfigs.operator ?? "";

    console.log(`Reading idle resident memory (${SETTLE_MS / 1000} s each, no Stagegate objects)...`);
    const bare = startBareNode();
    const bareMemory = await settledMemory(bare.pid ?? 0, SETTLE_MS);
    bare.kill();
    const tsxOperator = await startSyncedOperator(kubeconfig, "source", keepLogs);
    const tsxMemory = await settledMemory(tsxOperator.child.pid ?? 0, SETTLE_MS);
    await tsxOperator.stop();
    const v8Defaults = await startSyncedOperator(kubeconfig, "compiled", keepLogs, false);
    const v8DefaultsMemory = await settledMemory(v8Defaults.child.pid ?? 0, SETTLE_MS);
    await v8Defaults.stop();
    const operator = await startSyncedOperator(kubeconfig, "compiled", keepLogs);
    const idleMemory = await settledMemory(operator.child.pid ?? 0, SETTLE_MS);

    await admin.create(builtin.namespace, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: NAMESPACE },
    });
    await createEnvironment({ admin }, STAGING, { delivery: ownsDeliveryIn(NAMESPACE) });
    await createEnvironment({ admin }, PROD, { delivery: ownsDeliveryIn(NAMESPACE), gate: PROD_GATE });
    const heapRows: string[][] = [];
    const loadedRows: string[][] = [];
    const jsonRows: string[][] = [];
    const trimmedHeaps: CacheHeap[] = [];
    for (const total of [options.releases, 2 * options.releases]) {
      console.log(
        `Creating releases up to ${total}, each with two Argo CD Applications, until all are Verified in ` +
          `${STAGING} and wait at ${PROD}'s gate with its check task, change and approval...`,
      );
      // The stand-in runs in this process: it runs only until every release is Verified in staging, so that its
      // lists of every Application are not in this heap while the caches are measured.
      const standIn = startGitOpsStandIn(admin, NAMESPACE, { pollMs: 1_000 });
      let stopped: Promise<void> | undefined;
      const stopStandIn = (): Promise<void> => (stopped ??= standIn.stop());
      cleanup.defer("stop the Argo CD stand-in", stopStandIn);
      await createReleases(admin, NAMESPACE, total - options.releases, total);
      await waitForVerified(admin, NAMESPACE, total, 30 * 60_000);
      await stopStandIn();
      const children = await waitForChildren(admin, NAMESPACE, total, 10 * 60_000);
      console.log(`  tasks/changes/approvals: ${children}`);
      const settled = await settledMemory(operator.child.pid ?? 0, SETTLE_MS);
      loadedRows.push(rssRow(`operator (image's flags), ${total} releases settled`, settled, bareMemory));
      console.log("Measuring the operator's informers in this process, untrimmed and trimmed...");
      await measureCacheHeap(admin, true); // warm-up: code compiled and pools grown before anything is counted
      const untrimmed = await measureCacheHeap(admin, false);
      const trimmed = await measureCacheHeap(admin, true);
      heapRows.push(heapRow(total, trimmed, untrimmed));
      trimmedHeaps.push(trimmed);
      jsonRows.push(jsonRow(total, "untrimmed", untrimmed), jsonRow(total, "trimmed", trimmed));
    }

    console.log("");
    console.log(`cores: ${os.cpus().length}, node ${process.version}, kube-apiserver ${cluster.version}`);
    console.log(`load average (1/5/15 min): ${loadBefore} before, ${load()} after`);
    console.log("");
    console.log("Resident memory (MiB): VmRSS after settling, VmHWM, and against a bare node process");
    console.log(
      textTable(
        ["process", "RSS", "peak", "RSS - bare node", "RSS / bare node"],
        [
          rssRow("bare node -e (baseline)", bareMemory, bareMemory),
          rssRow("operator through tsx, idle", tsxMemory, bareMemory),
          rssRow("operator compiled, V8's defaults, idle", v8DefaultsMemory, bareMemory),
          rssRow(`operator compiled, ${IMAGE_NODE_OPTIONS}, idle`, idleMemory, bareMemory),
          ...loadedRows,
        ],
      ),
    );
    console.log("");
    console.log(
      "Heap of the operator's shared caches after GC, MiB per 1,000 releases (the releases' share of all)",
    );
    console.log(
      textTable(
        ["releases", "cached rel/app/task/cr/appr", "untrimmed", "trimmed", "trimmed / untrimmed"],
        heapRows,
      ),
    );
    console.log("");
    console.log(
      "Per cached object: mean JSON size and heap after GC (bytes, each kind measured alone); MiB per 1,000 " +
        "releases of a release with one target, and with two targets, a check task and a change",
    );
    console.log(
      textTable(
        [
          "releases",
          "JSON rel",
          "JSON app",
          "JSON task",
          "JSON cr",
          "heap rel",
          "heap app",
          "heap task",
          "heap cr",
          "rel+1 app",
          "rel+2 app+task+cr",
        ],
        jsonRows,
      ),
    );
    const [small, large] = trimmedHeaps;
    if (small !== undefined && large !== undefined) {
      console.log("");
      console.log(
        `What more releases cost, trimmed: the difference of ${small.objects.releases} and ` +
          `${large.objects.releases} releases (MiB unless said); goal: <= 8 MB (7.63 MiB) per 1,000`,
      );
      console.log(textTable(["row", "value"], marginalRows(small, large)));
    }
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    await cleanup.run();
  }
}

try {
  await main();
  process.exit(0);
} catch (err) {
  console.error(err);
  process.exit(1);
}
