// `make bench-approval`: the path from an approver's decision to the sync request (issue 12, goal 1, last
// sentence; ADR 0038), against a raw write -> watch measured in the same run. Starts its own local control plane
// with kube-apiserver's audit log on for the operator and the approver, the operator as its own process from
// compiled JavaScript with its webhooks registered, and an Argo CD stand-in completing the syncs it requests. N
// releases wait at a gate that needs one approval; alice approves them one at a time, then N more with several in
// flight; each is timed from her write to the sync request seen on a watch of the Applications. The audit log
// gives, per release, the operator's writes on the path by resource (Events apart) and the writes in order
// between her decision and the sync request. Prints tables, the goals and met/missed; asserts nothing on a timing.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { waitFor } from "../../tests/support/kube.js";
import { auditFlags, writeAuditPolicy } from "../../tests/support/apiserver-audit.js";
import { PROJECT_MANIFEST_DIRS, startLocalCluster } from "../local-cluster/index.js";
import { epochMs, PathAuditLine, releasePath, type PathObjects } from "./approval-audit.js";
import { startApprovalOperator } from "./approval-operator.js";
import { parseApprovalOptions } from "./approval-options.js";
import {
  formatEvents,
  formatGoals,
  formatLatency,
  formatWrites,
  resolutionIndependent,
  type PathRun,
} from "./approval-report.js";
import {
  approveAsAlice,
  createApprovalWorld,
  createGatedReleases,
  waitAtGate,
  type ApprovalScope,
} from "./approval-world.js";
import { ArgoStandIn } from "./argo-stand-in.js";
import { BenchOptionsError } from "./bench-options.js";
import { Cleanup } from "./cleanup.js";
import { loadAverage, machineFacts } from "./machine-facts.js";
import { timeConfigMapCreates } from "./raw-api.js";
import { buildOperator } from "./scale-operator.js";
import { summarize } from "./stats.js";
import { runTimed } from "./timed-runs.js";
import { VerifiedWatch } from "./verified-watch.js";
import { GATED } from "./approval-world.js";

const USERS = { operator: "stagegate-operator", approver: "alice" };
const NAMESPACE = "approval";
const RAW_NAMESPACE = "approval-raw";

const cleanup = new Cleanup();
cleanup.tearDownOnSignals();
const log = (line: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const print = (text: string): void => console.log(`\n${text}\n`);
/** performance.now() as epoch ms, to compare with the audit log's timestamps (one machine, one clock). */
const epochOf = (monotonic: number): number => performance.timeOrigin + monotonic;

/** Every line of the audit log this reduction reads. */
async function auditLines(file: string): Promise<PathAuditLine[]> {
  const text = await readFile(file, "utf8");
  return text.split("\n").flatMap((line) => {
    if (line.trim() === "") return [];
    const parsed = PathAuditLine.safeParse(JSON.parse(line));
    return parsed.success ? [parsed.data] : [];
  });
}

/** Waits (bounded) until the operator has written nothing for 3 s, so the path's last writes are counted. */
async function settle(file: string): Promise<void> {
  await waitFor(
    "the operator to go quiet",
    async () => {
      const last = (await auditLines(file))
        .filter(
          (l) =>
            l.user.username === USERS.operator && l.verb !== "get" && l.verb !== "list" && l.verb !== "watch",
        )
        .filter((l) => l.objectRef?.resource !== "leases")
        .at(-1);
      return last === undefined || Date.now() - epochMs(last.stageTimestamp) > 3000 ? true : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
}

/** Events about the objects of `paths` created from their approval on, counted by `kind reason`. */
async function pathEvents(scope: ApprovalScope, paths: readonly { objects: PathObjects; from: number }[]) {
  const list = await scope.admin.list(builtin.event, { namespace: scope.namespace });
  const byName = new Map<string, number>();
  for (const { objects, from } of paths) {
    for (const name of [objects.release, objects.changeRequest, objects.application]) byName.set(name, from);
  }
  const counts = new Map<string, number>();
  for (const item of list.items) {
    const event = item as unknown as {
      regarding?: { kind?: string; name?: string };
      reason?: string;
      eventTime?: string;
    };
    const from = byName.get(event.regarding?.name ?? "");
    // eventTime has microseconds (creationTimestamp only whole seconds).
    if (from === undefined || Date.parse(event.eventTime ?? "") < from) continue;
    const key = `${event.regarding?.kind ?? "?"} ${event.reason ?? "?"}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

async function main(): Promise<void> {
  const options = parseApprovalOptions(process.argv.slice(2));
  const keepLogs = (): boolean => options.keepLogs || cleanup.failed;
  const loadBefore = loadAverage();
  log("Compiling the operator (tsc -p tsconfig.build.json)...");
  await buildOperator();
  const auditDir = await mkdtemp(path.join(tmpdir(), "stagegate-approval-audit-"));
  cleanup.defer("remove the audit log", () =>
    keepLogs()
      ? console.error(`Kept the audit log in ${auditDir}`)
      : rm(auditDir, { recursive: true, force: true }),
  );
  const policy = path.join(auditDir, "policy.yaml");
  const auditLog = path.join(auditDir, "audit.log");
  await writeAuditPolicy(policy, [USERS.operator, USERS.approver]);
  log("Starting a local control plane with the audit log on...");
  const cluster = await startLocalCluster({
    installCrdsFrom: [...PROJECT_MANIFEST_DIRS],
    extraApiserverFlags: auditFlags(policy, auditLog),
  });
  cleanup.defer("stop the local control plane", () => cluster.stop({ keepLogs: keepLogs() }));
  const admin = await KubeClient.connect(cluster.kubeconfigs.admin ?? "");
  cleanup.defer("close the admin client", () => admin.close());
  const alice = await KubeClient.connect(cluster.kubeconfigs.alice ?? "");
  cleanup.defer("close alice's client", () => alice.close());

  await admin.create(builtin.namespace, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: RAW_NAMESPACE },
  });
  log(
    `Raw baseline: ${options.rawWrites} ConfigMap creates one at a time, then ${options.inFlight} in flight...`,
  );
  const rawOne = await timeConfigMapCreates(admin, RAW_NAMESPACE, {
    count: options.rawWrites,
    concurrency: 1,
    prefix: "one",
  });
  const rawMany = await timeConfigMapCreates(admin, RAW_NAMESPACE, {
    count: options.rawWrites,
    concurrency: options.inFlight,
    prefix: "many",
  });

  log("Starting the compiled operator with its admission webhooks...");
  await startApprovalOperator(cluster, admin, cleanup, keepLogs, path.join(auditDir, "operator-audit.jsonl"));
  const scope = { admin, namespace: NAMESPACE };
  await createApprovalWorld(scope);
  const standIn = await ArgoStandIn.start(admin, NAMESPACE);
  cleanup.defer("stop the Argo CD stand-in", () => standIn.close());
  const verified = await VerifiedWatch.start(admin, NAMESPACE, GATED);
  cleanup.defer("stop the Verified watch", () => verified.close());
  const total = 2 * options.releases;
  log(`Creating ${total} releases at the gate of ${GATED}...`);
  await createGatedReleases(scope, total, 10);
  const objects = await waitAtGate(scope, total, 60_000 + total * 500);
  log(`${total} releases wait at the gate with their Approvals open.`);

  const seenAt = (o: PathObjects): number | undefined => standIn.syncTimes(o.application)?.requestedSeenAt;
  const approvedAt = new Map<string, number>();
  /** alice approves one release; resolves once its sync request was seen; returns the latency. */
  const approveOne = async (o: PathObjects): Promise<number> => {
    const start = performance.now();
    approvedAt.set(o.release, epochOf(start));
    await approveAsAlice(alice, NAMESPACE, o.approval);
    const seen = await waitFor(`the sync request of ${o.application}`, () => seenAt(o), {
      timeoutMs: 60_000,
      intervalMs: 2,
    });
    return seen - start;
  };

  const one = objects.slice(0, options.releases);
  log(`Approving ${one.length} releases one at a time (each Verified before the next)...`);
  const oneLatencies: number[] = [];
  for (const o of one) {
    oneLatencies.push(await approveOne(o));
    await verified.waitForAll([o.release], 60_000);
  }
  const many = objects.slice(options.releases);
  log(`Approving ${many.length} releases, ${options.inFlight} in flight...`);
  const manyLatencies = new Array<number>(many.length).fill(0);
  const manyRun = await runTimed(many.length, options.inFlight, async (i) => {
    manyLatencies[i] = await approveOne(many[i] as PathObjects);
  });
  await verified.waitForAll(
    objects.map((o) => o.release),
    120_000,
  );
  log("Every release is Verified; waiting for the operator to go quiet...");
  await settle(auditLog);
  if (standIn.error !== undefined)
    console.error(`The Argo CD stand-in failed once: ${standIn.error.message}`);

  const lines = await auditLines(auditLog);
  const pathOf = (o: PathObjects) => releasePath(lines, USERS, o, epochOf(seenAt(o) ?? Number.NaN));
  const runs: PathRun[] = [
    {
      label: "One at a time",
      approval: summarize("approval -> sync request seen", oneLatencies),
      raw: summarize("raw write -> watch, 1 in flight", rawOne.toWatch),
      paths: one.map(pathOf),
    },
    {
      label: `${options.inFlight} in flight`,
      approval: summarize("approval -> sync request seen", manyLatencies, manyRun.spanMs),
      raw: summarize(
        `raw write -> watch, ${options.inFlight} in flight`,
        rawMany.toWatch,
        rawMany.run.spanMs,
      ),
      paths: many.map(pathOf),
    },
  ];
  const independent = resolutionIndependent(runs);
  for (const run of runs) {
    print(formatLatency(run));
    print(formatWrites(run, independent));
  }
  const events = await pathEvents(
    scope,
    objects.map((o) => ({ objects: o, from: approvedAt.get(o.release) ?? 0 })),
  );
  print(formatEvents(events, objects.length));
  print(formatGoals(runs));
  console.log(machineFacts(cluster.version));
  console.log(`load average (1/5/15 min): ${loadBefore} before, ${loadAverage()} after`);
  console.log(
    `run: releases=${options.releases} (x2) in-flight=${options.inFlight} raw-writes=${options.rawWrites}`,
  );
}

await cleanup.finish(main, (err) => (err instanceof BenchOptionsError ? err.message : err));
