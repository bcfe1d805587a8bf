// `make bench`: the Alertmanager receiver against a baseline measured in the same run. Starts its own local
// control plane and the operator as its own process, then times, with the same client stack: raw ConfigMap creates
// and how soon a watch sees them; firing alerts posted to POST /alertmanager (each opening a Rollback task) and how
// soon a watch sees the task; a burst of one duplicate alert; an append+fsync like the audit trail's. Prints
// quantiles, the ratios receiver/raw, and whether the absolute targets were met here. Nothing is asserted on a
// timing. Everything it started is torn down on success, on error and on Ctrl-C.
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { countsSince, settledRequestCounts } from "./api-requests.js";
import { PROFILING_FLAG, profileApiserver } from "./apiserver-profile.js";
import { timeAppendFsync } from "./append-fsync.js";
import { startBenchEnvironment, type BenchEnvironment } from "./bench-environment.js";
import { BenchOptionsError, parseBenchOptions, type BenchOptions } from "./bench-options.js";
import { Cleanup } from "./cleanup.js";
import { loadAverage, machineFacts } from "./machine-facts.js";
import { timeConfigMapCreates } from "./raw-api.js";
import { timeAlertDeliveries, timeDuplicateDeliveries } from "./receiver-runs.js";
import { formatResults, type BenchResults } from "./report.js";
import { cpuPer, idlePerSecond, serverCpu, type ServerPids } from "./server-cpu.js";

/** How long kube-apiserver is sampled from the start of the concurrent alert series, with --apiserver-profile. */
const PROFILE_SECONDS = 10;

/** How long the servers' idle CPU is read before the concurrent series, to take it out of what they cost. */
const IDLE_SPAN_MS = 5_000;

const cleanup = new Cleanup();
cleanup.tearDownOnSignals();

async function measure(env: BenchEnvironment, options: BenchOptions): Promise<BenchResults> {
  const { admin, namespace, receiver } = env;
  const { count, duplicates, concurrency, warmup } = options;
  if (warmup > 0) {
    console.log(`Warming up (${warmup} untimed creates and deliveries)...`);
    await timeConfigMapCreates(admin, namespace, { count: warmup, concurrency: 1, prefix: "warmup" });
    await timeAlertDeliveries(receiver, admin, namespace, { count: warmup, concurrency: 1 });
  }
  console.log(`Timing ${count} ConfigMap creates, one at a time...`);
  const rawWrites = await timeConfigMapCreates(admin, namespace, { count, concurrency: 1, prefix: "raw" });
  console.log(`Timing ${count} distinct firing alerts, one at a time...`);
  const deliveries = await timeAlertDeliveries(receiver, admin, namespace, { count, concurrency: 1 });
  console.log(`Timing ${duplicates} deliveries of one alert...`);
  const duplicateRun = await timeDuplicateDeliveries(receiver, namespace, duplicates);
  console.log(`Timing ${count} appends with fsync next to the operator's audit trail...`);
  const fsync = await timeAppendFsync(path.dirname(env.operator.auditFile), count);
  if (concurrency === 0) return { rawWrites, deliveries, duplicates: duplicateRun, fsync };
  console.log(`Timing ${count} creates and ${count} alerts, ${concurrency} in flight...`);
  const pids: ServerPids = {
    apiserver: env.cluster.apiserver.pid ?? -1,
    etcd: env.cluster.etcd.pid ?? -1,
    operator: env.operator.child.pid ?? -1,
  };
  await settledRequestCounts(admin);
  const quiet = await serverCpu(pids);
  await delay(IDLE_SPAN_MS);
  const cpuBeforeCreates = await serverCpu(pids);
  const idle = idlePerSecond(quiet, cpuBeforeCreates);
  const concurrentWrites = await timeConfigMapCreates(admin, namespace, {
    count,
    concurrency,
    prefix: "conc",
  });
  const cpuAfterCreates = await serverCpu(pids);
  const before = await settledRequestCounts(admin);
  const cpuBeforeAlerts = await serverCpu(pids);
  const profile =
    options.apiserverProfile === ""
      ? undefined
      : profileApiserver(
          env.cluster,
          options.apiserverProfile,
          PROFILE_SECONDS,
          "over the alert series",
          (line) => console.log(line),
        );
  const concurrentDeliveries = await timeAlertDeliveries(receiver, admin, namespace, { count, concurrency });
  console.log("Waiting for the operator's controllers to finish reacting to the new tasks...");
  const after = await settledRequestCounts(admin);
  const cpuAfterAlerts = await serverCpu(pids);
  if (profile !== undefined) console.log(await profile);
  const perAlert = (counts: [string, number][]): [string, number][] =>
    counts.map(([key, n]) => [key, n / count]);
  return {
    rawWrites,
    deliveries,
    duplicates: duplicateRun,
    fsync,
    concurrent: {
      inFlight: concurrency,
      rawWrites: concurrentWrites,
      deliveries: concurrentDeliveries,
      writesPerAlert: perAlert(countsSince(before.writes, after.writes)),
      readsPerAlert: perAlert(countsSince(before.reads, after.reads)),
      cpu: {
        idlePerSecond: idle,
        perCreate: cpuPer(cpuBeforeCreates, cpuAfterCreates, count, idle),
        perAlert: cpuPer(cpuBeforeAlerts, cpuAfterAlerts, count, idle),
      },
    },
  };
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  const loadBefore = loadAverage();
  console.log("Starting a local control plane and the operator...");
  const env = await startBenchEnvironment(
    cleanup,
    () => cleanup.failed || options.keepLogs,
    options.apiserverProfile === "" ? [] : [PROFILING_FLAG],
  );
  const results = await measure(env, options);
  console.log("");
  console.log(machineFacts(env.cluster.version));
  console.log(`load average (1/5/15 min): ${loadBefore} before, ${loadAverage()} after`);
  console.log(
    `run: count=${options.count} duplicates=${options.duplicates} concurrency=${options.concurrency} ` +
      `warmup=${options.warmup}`,
  );
  console.log("");
  console.log(formatResults(results));
}

await cleanup.finish(main, (err) => (err instanceof BenchOptionsError ? err.message : err));
