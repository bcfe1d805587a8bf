// `make bench-scale`: Stagegate at scale against a baseline measured in the same run. Starts its own local control
// plane with kube-apiserver's audit log on for the operator's and the load generator's identities (the independent
// count of their requests), measures raw ConfigMap writes and write -> watch latency, then runs the operator as
// its own process from compiled JavaScript with its real flags, and an Argo CD stand-in that completes the syncs
// it requests. Runs: steady promotions, a burst created together, memory (the heap also after a GC forced through
// the operator's inspector, which only this benchmark turns on), and a restart over the settled releases. Prints
// tables with the ratios, the goals of issue 12 and met/missed. Nothing is asserted on a timing. Everything it
// started is torn down on success, on error and on Ctrl-C.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { KubeClient } from "../../src/runtime/kube/client.js";
import { auditFlags, writeAuditPolicy } from "../../tests/support/apiserver-audit.js";
import { PROJECT_MANIFEST_DIRS, startLocalCluster, type LocalCluster } from "../local-cluster/index.js";
import { PROFILING_FLAG, profileApiserver } from "./apiserver-profile.js";
import { ArgoStandIn } from "./argo-stand-in.js";
import type { CountedUsers } from "./audit-phase.js";
import { AuditTail } from "./audit-tail.js";
import { Cleanup } from "./cleanup.js";
import { loadAverage, machineFacts } from "./machine-facts.js";
import { OperatorSupervisor } from "./operator-supervisor.js";
import { cpuSeconds } from "./process-cpu.js";
import { valueOf } from "./prometheus-text.js";
import { timeRestart } from "./restart-phase.js";
import { buildOperator, ScaleOperator, scraperToken } from "./scale-operator.js";
import { BenchOptionsError } from "./bench-options.js";
import { parseScaleOptions, type ScaleOptions } from "./scale-options.js";
import { rawBaselines } from "./scale-raw.js";
import { promoteReleases, type PhaseContext, type PromotionRun } from "./scale-phases.js";
import {
  formatApiserverCost,
  formatFairness,
  formatMemory,
  formatPromotions,
  formatRaw,
  formatRestart,
  formatTimeline,
  type MemoryReadings,
} from "./scale-report.js";
import { createScaleWorld, ENVIRONMENT } from "./scale-world.js";
import { VerifiedWatch } from "./verified-watch.js";

const USERS: CountedUsers = { operator: "stagegate-operator", load: "admin" };
const NAMESPACE = "scale";

const cleanup = new Cleanup();
cleanup.tearDownOnSignals();

const log = (line: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const print = (text: string): void => console.log(`\n${text}\n`);

async function startCluster(
  options: ScaleOptions,
): Promise<{ cluster: LocalCluster; tail: AuditTail; operatorState: string }> {
  const auditDir = await mkdtemp(path.join(tmpdir(), "stagegate-scale-audit-"));
  cleanup.defer("remove the audit log", () =>
    options.keepLogs || cleanup.failed
      ? console.error(`Kept the audit log in ${auditDir}`)
      : rm(auditDir, { recursive: true, force: true }),
  );
  const policy = path.join(auditDir, "policy.yaml");
  const auditLog = path.join(auditDir, "audit.log");
  await writeAuditPolicy(policy, [USERS.operator, USERS.load]);
  const cluster = await startLocalCluster({
    installCrdsFrom: [...PROJECT_MANIFEST_DIRS],
    // kube-apiserver rotates its audit log at 100 MB unless told otherwise; a 10,000-release run writes more.
    extraApiserverFlags: [
      ...auditFlags(policy, auditLog),
      "--audit-log-maxsize=1000000",
      ...(options.apiserverProfile === "" ? [] : [PROFILING_FLAG]),
    ],
  });
  cleanup.defer("stop the local control plane", () =>
    cluster.stop({ keepLogs: options.keepLogs || cleanup.failed }),
  );
  return { cluster, tail: new AuditTail(auditLog), operatorState: path.join(auditDir, "operator") };
}

/**
 * RSS and the heap as scraped, then the heap after a forced GC: in that order, so the first two are what the process
 * holds as it runs and only the last is taken after the collection.
 */
async function memoryNow(
  operator: ScaleOperator,
): Promise<{ rss: number; peakRss: number; heapUsed?: number; heapAfterGc: number }> {
  const { rss, peakRss } = await operator.memory();
  const heapUsed = valueOf(await operator.metrics(), "nodejs_heap_size_used_bytes");
  const heapAfterGc = await operator.heapUsedAfterGc();
  return { rss, peakRss, heapAfterGc, ...(heapUsed === undefined ? {} : { heapUsed }) };
}

/** A promotion run with the API server's and the operator's CPU over it. */
async function timedPromotions(
  ctx: PhaseContext,
  pids: () => { apiserver: number; operator: number },
  run: Parameters<typeof promoteReleases>[1],
): Promise<{ result: PromotionRun; cpu: string; apiserverCpuSeconds: number }> {
  const before = {
    api: await cpuSeconds(pids().apiserver),
    op: await cpuSeconds(pids().operator),
    at: performance.now(),
  };
  const result = await promoteReleases(ctx, run);
  const wall = (performance.now() - before.at) / 1000;
  const apiserverCpuSeconds = (await cpuSeconds(pids().apiserver)) - before.api;
  const api = apiserverCpuSeconds / wall;
  const op = ((await cpuSeconds(pids().operator)) - before.op) / wall;
  return {
    result,
    apiserverCpuSeconds,
    cpu: `CPU over the run (cores busy, of ${cpus().length}): kube-apiserver ${api.toFixed(2)}, operator ${op.toFixed(2)}`,
  };
}

async function main(): Promise<void> {
  const options = parseScaleOptions(process.argv.slice(2));
  const loadBefore = loadAverage();
  log("Compiling the operator (tsc -p tsconfig.build.json)...");
  await buildOperator();
  log("Starting a local control plane with the audit log on...");
  const { cluster, tail, operatorState } = await startCluster(options);
  await mkdir(operatorState);
  const admin = await KubeClient.connect(cluster.kubeconfigs.admin);
  cleanup.defer("close the admin client", () => admin.close());
  const scope = { admin, namespace: NAMESPACE };
  await createScaleWorld(scope);
  const raw = await rawBaselines(admin, options, cluster, log);
  print(formatRaw(raw));

  const token = await scraperToken(cluster);
  const kubeconfig = cluster.kubeconfigs.operator ?? "";
  const auditLog = path.join(operatorState, "audit.jsonl");
  // The inspector listens on loopback for the heap readings after a forced GC; no session is open between them.
  const start = () =>
    ScaleOperator.start(kubeconfig, token, { logLevel: options.logLevel, auditLog, inspector: true });
  log("Starting the compiled operator (node dist/cmd/stagegate.js run)...");
  const current = await OperatorSupervisor.start(start, log);
  const first = current.operator;
  cleanup.defer("stop the operator", () => current.stop(options.keepLogs || cleanup.failed));
  const { readyMs, leadingMs } = await first.waitUntilLeading(120_000);
  log(
    `Operator ready after ${(readyMs / 1000).toFixed(1)} s, leading after ${(leadingMs / 1000).toFixed(1)} s.`,
  );
  if (options.idleSeconds > 0)
    await new Promise((resolve) => setTimeout(resolve, options.idleSeconds * 1000));
  const idle = await memoryNow(first);
  const memory: { idle: MemoryReadings["idle"]; rows: MemoryReadings["rows"][number][] } = { idle, rows: [] };

  const standIn = await ArgoStandIn.start(admin, NAMESPACE);
  cleanup.defer("stop the Argo CD stand-in", () => standIn.close());
  const verified = await VerifiedWatch.start(admin, NAMESPACE, ENVIRONMENT);
  cleanup.defer("stop the Verified watch", () => verified.close());
  const ctx: PhaseContext = { scope, tail, users: USERS, verified, samples: () => current.samples(), log };
  const pids = () => ({ apiserver: cluster.apiserver.pid ?? -1, operator: current.operator.pid });

  let profiled: Promise<string> | undefined;
  const steady = await timedPromotions(ctx, pids, {
    from: 0,
    count: options.releases,
    inFlight: options.inFlight,
    label: "Steady",
    settleSeconds: options.settleSeconds,
    onCreated: () => {
      if (options.apiserverProfile === "") return;
      const file = path.resolve(options.apiserverProfile);
      profiled = profileApiserver(
        cluster,
        file,
        options.profileSeconds,
        "from the steady run's last create",
        log,
      );
    },
  });
  print(
    [
      formatPromotions("Steady", steady.result, raw),
      steady.cpu,
      formatApiserverCost(steady.apiserverCpuSeconds, steady.result, raw),
    ].join("\n"),
  );
  if (profiled !== undefined) console.log(await profiled);
  print(formatTimeline(steady.result));
  memory.rows.push({
    label: "after the steady run, settled",
    releases: options.releases,
    process: "settled",
    ...(await memoryNow(current.operator)),
  });
  let settledReleases = options.releases;

  if (options.burst > 0) {
    const burst = await timedPromotions(ctx, pids, {
      from: options.releases,
      count: options.burst,
      inFlight: options.burstInFlight,
      label: "Burst",
      settleSeconds: options.settleSeconds,
    });
    settledReleases += options.burst;
    print(formatFairness(burst.result));
    print(
      [
        formatPromotions("Burst", burst.result, raw),
        burst.cpu,
        formatApiserverCost(burst.apiserverCpuSeconds, burst.result, raw),
      ].join("\n"),
    );
    print(formatTimeline(burst.result));
    memory.rows.push({
      label: "after the burst, settled",
      releases: settledReleases,
      process: "settled",
      ...(await memoryNow(current.operator)),
    });
  }
  if (standIn.error !== undefined)
    console.error(`The Argo CD stand-in failed once: ${standIn.error.message}`);

  log(`Restarting the operator over ${settledReleases} settled releases...`);
  await current.stop(options.keepLogs);
  const restarted = await timeRestart(scope, tail, USERS, () => current.startAgain(), options.quietSeconds);
  print(formatRestart(restarted.run, settledReleases));
  memory.rows.push({
    label: `restarted, ${options.quietSeconds} s after leading`,
    releases: settledReleases,
    process: "restarted",
    ...(await memoryNow(current.operator)),
  });
  print(formatMemory(memory));
  console.log(
    `unplanned operator restarts: ${current.restarts.length}` +
      current.restarts.map((r) => `\n  ${r.at} ${r.why}`).join(""),
  );

  console.log(machineFacts(cluster.version));
  console.log(`load average (1/5/15 min): ${loadBefore} before, ${loadAverage()} after`);
  console.log(
    `run: releases=${options.releases} burst=${options.burst} in-flight=${options.inFlight} ` +
      `burst-in-flight=${options.burstInFlight} raw-writes=${options.rawWrites} quiet-seconds=${options.quietSeconds} ` +
      `settle-seconds=${options.settleSeconds}`,
  );
}

await cleanup.finish(main, (err) => (err instanceof BenchOptionsError ? err.message : err));
