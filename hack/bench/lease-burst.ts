// `tsx hack/bench/lease-burst.ts [--applications=10000] [--in-flight=10] [--cpu-prof=DIR]`: whether a leader keeps
// its Lease while it merely watches a burst of Argo CD Application creations (the setup phase of
// `make bench-scale`, where a leader once lost its Lease). Starts a local control plane with kube-apiserver's audit
// log on for the operator's identity, the compiled operator with its real flags (leader election on), one
// Environment owning the namespace, then creates the Applications with a fixed number in flight. Prints the
// operator's event-loop delay (prom-client's default metrics, scraped every second), its CPU seconds over the
// burst, every Lease renewal as kube-apiserver received it (the gap between two renewals is the retry period
// plus how late the operator started the next one) and the leader-election warnings it logged. Nothing is
// asserted on a timing; everything started is torn down on success, on error and on Ctrl-C.
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";
import { KubeClient } from "../../src/runtime/kube/client.js";
import { auditFlags, writeAuditPolicy } from "../../tests/support/apiserver-audit.js";
import { PROJECT_MANIFEST_DIRS, startLocalCluster } from "../local-cluster/index.js";
import { Cleanup } from "./cleanup.js";
import { loadAverage } from "./machine-facts.js";
import { cpuSeconds } from "./process-cpu.js";
import { valueOf } from "./prometheus-text.js";
import { buildOperator, ScaleOperator, scraperToken } from "./scale-operator.js";
import { createApplications, createScaleWorld, range } from "./scale-world.js";
import { summarize } from "./stats.js";
import { camelCasedFlags } from "./bench-options.js";

const OPERATOR = "stagegate-operator";
const NAMESPACE = "scale";

const cleanup = new Cleanup();
cleanup.tearDownOnSignals();
const log = (line: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

const Options = z.object({
  applications: z.coerce.number().int().positive().default(10_000),
  inFlight: z.coerce.number().int().positive().default(10),
  cpuProf: z.string().default(""),
});

function parseOptions(argv: readonly string[]): z.infer<typeof Options> {
  return Options.parse(camelCasedFlags(argv));
}

const LeaseLine = z.object({
  verb: z.string(),
  objectRef: z.object({ resource: z.string().optional() }).optional(),
  requestReceivedTimestamp: z.string(),
  stageTimestamp: z.string(),
  stage: z.string(),
});

/** The operator's Lease updates as kube-apiserver received them: ms since epoch and the server's own time (ms). */
async function leaseUpdates(auditLog: string): Promise<{ at: number; serverMs: number }[]> {
  const text = await readFile(auditLog, "utf8");
  return text.split("\n").flatMap((line) => {
    if (line.trim() === "") return [];
    const parsed = LeaseLine.safeParse(JSON.parse(line));
    if (!parsed.success) return [];
    const l = parsed.data;
    if (l.stage !== "ResponseComplete" || l.verb !== "update" || l.objectRef?.resource !== "leases")
      return [];
    const at = Date.parse(l.requestReceivedTimestamp);
    return [{ at, serverMs: Date.parse(l.stageTimestamp) - at }];
  });
}

const ms = (n: number): string => `${Math.round(n)} ms`;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const loadBefore = loadAverage();
  log("Compiling the operator (tsc -p tsconfig.build.json)...");
  await buildOperator();
  const dir = await mkdtemp(path.join(tmpdir(), "stagegate-lease-burst-"));
  cleanup.defer("remove the audit log", () => rm(dir, { recursive: true, force: true }));
  const policy = path.join(dir, "policy.yaml");
  const auditLog = path.join(dir, "audit.log");
  await writeAuditPolicy(policy, [OPERATOR]);
  log("Starting a local control plane...");
  const cluster = await startLocalCluster({
    installCrdsFrom: [...PROJECT_MANIFEST_DIRS],
    extraApiserverFlags: [...auditFlags(policy, auditLog), "--audit-log-maxsize=1000000"],
  });
  cleanup.defer("stop the local control plane", () => cluster.stop({ keepLogs: cleanup.failed }));
  const admin = await KubeClient.connect(cluster.kubeconfigs.admin);
  cleanup.defer("close the admin client", () => admin.close());
  await createScaleWorld({ admin, namespace: NAMESPACE });

  if (options.cpuProf !== "") {
    await mkdir(options.cpuProf, { recursive: true });
    process.env.NODE_OPTIONS = `--cpu-prof --cpu-prof-dir=${path.resolve(options.cpuProf)}`;
  }
  const token = await scraperToken(cluster);
  await mkdir(path.join(dir, "operator"));
  const operator = await ScaleOperator.start(cluster.kubeconfigs.operator ?? "", token, {
    logLevel: "info",
    auditLog: path.join(dir, "operator", "audit.jsonl"),
  });
  delete process.env.NODE_OPTIONS;
  cleanup.defer("stop the operator", () => operator.stop(cleanup.failed));
  await operator.waitUntilLeading(120_000);
  log("The operator leads; creating the Applications...");

  const lagMax: number[] = [];
  const lagP99: number[] = [];
  let sampling = true;
  const cpuBefore = await cpuSeconds(operator.pid);
  let cpuAfter = cpuBefore;
  const sampler = (async () => {
    while (sampling) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const cpu = await cpuSeconds(operator.pid);
      // 0 once the process is gone (it exits when it loses its Lease): the last reading stands.
      if (cpu > 0) cpuAfter = cpu;
      const text = await operator.metrics().catch(() => "");
      const max = valueOf(text, "nodejs_eventloop_lag_max_seconds");
      const p99 = valueOf(text, "nodejs_eventloop_lag_p99_seconds");
      if (max !== undefined) lagMax.push(max * 1000);
      if (p99 !== undefined) lagP99.push(p99 * 1000);
    }
  })();
  const loadAtStart = loadAverage();
  const startedAt = Date.now();
  const began = performance.now();
  await createApplications({ admin, namespace: NAMESPACE }, range(0, options.applications), options.inFlight);
  const createdSeconds = (performance.now() - began) / 1000;
  log(`Created ${options.applications} Applications in ${createdSeconds.toFixed(1)} s; waiting 20 s...`);
  await new Promise((resolve) => setTimeout(resolve, 20_000));
  sampling = false;
  await sampler;
  const cpu = cpuAfter - cpuBefore;
  const endedAt = Date.now();

  const updates = (await leaseUpdates(auditLog)).filter((u) => u.at >= startedAt && u.at <= endedAt);
  const gaps = updates.slice(1).map((u, k) => u.at - (updates[k]?.at ?? u.at));
  const warnings = operator.process
    .logs()
    .filter((l) => l.level === "warn" || l.level === "error")
    .map((l) => `${String(l.msg)}${typeof l.err === "string" ? `: ${l.err}` : ""}`);
  const quantiles = (label: string, xs: number[]): string => {
    if (xs.length === 0) return `${label}: no samples`;
    const s = summarize(label, xs);
    return `${label}: p50 ${ms(s.p50)}, p90 ${ms(s.p90)}, p99 ${ms(s.p99)}, max ${ms(s.max)} (${s.count})`;
  };
  console.log(
    [
      "",
      `load average before: ${loadBefore}; at the burst's start: ${loadAtStart}; after: ${loadAverage()}`,
      `Applications: ${options.applications}, ${options.inFlight} in flight, created in ${createdSeconds.toFixed(1)} s`,
      `operator CPU over the burst and 20 s after: ${cpu.toFixed(1)} s of ${((endedAt - startedAt) / 1000).toFixed(0)} s`,
      quantiles("event-loop delay, max of each 1 s scrape", lagMax),
      quantiles("event-loop delay, p99 of each 1 s scrape", lagP99),
      quantiles("gap between two Lease updates received", gaps),
      quantiles(
        "Lease update, time inside kube-apiserver",
        updates.map((u) => u.serverMs),
      ),
      `warnings and errors logged: ${warnings.length === 0 ? "none" : ""}`,
      ...warnings.slice(0, 20).map((w) => `  ${w}`),
      "",
    ].join("\n"),
  );
}

await cleanup.finish(main);
