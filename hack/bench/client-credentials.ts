// What the API client's credentials cost per request (issue 12, ADR 0066): the CPU of this process per GET through
// `KubeTransport` with the kubeconfig's lean credentials (client certificate, key and CA files), as the operator uses
// them (files checked at most once a second) and with a stat of each file on every request, against a baseline of the
// same GETs with the same TLS material held in memory (the same Buffers every time: no file work at all).
//
//   tsx hack/bench/client-credentials.ts [--requests=400] [--rounds=7] [--warmup=100]
//
// It starts its own local control plane, uses the admin identity (certificate files), and interleaves the three
// GET series in chunks so machine load falls on all of them alike. CPU is `process.cpuUsage()` (user + system).
import type https from "node:https";
import { z } from "zod";
import { startLocalCluster } from "../local-cluster/index.js";
import { leanKubeCredentials, type KubeCredentials } from "../../src/runtime/kube/kube-credentials.js";
import { KubeTransport } from "../../src/runtime/kube/transport.js";
import { checkedFlags, readFlags, wholeNumberFlag } from "./bench-options.js";
import { Cleanup } from "./cleanup.js";
import { loadAverage, machineFacts } from "./machine-facts.js";
import { textTable } from "./stats.js";

const USAGE = "Usage: tsx hack/bench/client-credentials.ts [--requests=400] [--rounds=7] [--warmup=100]";
const flags = checkedFlags(
  z.object({
    requests: wholeNumberFlag("requests", 1),
    rounds: wholeNumberFlag("rounds", 1),
    warmup: wholeNumberFlag("warmup", 0),
  }),
  readFlags(
    process.argv.slice(2),
    {
      requests: { type: "string", default: "400" },
      rounds: { type: "string", default: "7" },
      warmup: { type: "string", default: "100" },
    },
    USAGE,
  ),
  USAGE,
);

/** CPU microseconds (user + system) of this process per call of `step`, over `count` calls one at a time. */
async function cpuPerCall(count: number, step: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < count; i++) await step();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / count;
}

/** The kubeconfig's TLS material read once and handed out as the same Buffers on every request. */
async function inMemory(lean: KubeCredentials): Promise<KubeCredentials> {
  const once: https.RequestOptions = {};
  await lean.applyToHTTPSOptions(once);
  const { ca, cert, key } = once;
  return {
    getCurrentCluster: () => lean.getCurrentCluster(),
    applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
      Object.assign(opts, { ca, cert, key });
      return Promise.resolve();
    },
  };
}

/** GETs of one series in a row before the other series' turn. */
const CHUNK = 20;

/** CPU µs per call of one round's series: the three apply series, then the three GET series (baseline first). */
type Round = readonly [number, number, number, number, number, number];

/** One line of the table: each series' CPU µs per call, and the two GET series' ratios to the in-memory baseline. */
function row(label: string, round: Round, ratios: readonly [number, number]): string[] {
  return [label, ...round.map((v) => v.toFixed(1)), ...ratios.map((r) => r.toFixed(3))];
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? NaN)
    : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
};

const cleanup = new Cleanup();
cleanup.tearDownOnSignals();
await cleanup.finish(async () => {
  const loadBefore = loadAverage();
  const cluster = await startLocalCluster({ thirdPartyCrds: false });
  cleanup.defer("stop the local control plane", () => cluster.stop());
  const lean = leanKubeCredentials(cluster.kubeconfigs.admin);
  if (lean === undefined)
    throw new Error("The admin kubeconfig needs client-node: no lean credentials to measure.");
  // The same kubeconfig with each file stat'ed on every request (ADR 0066's alternative).
  const timed = leanKubeCredentials(cluster.kubeconfigs.admin, { recheckMs: 0 });
  if (timed === undefined) throw new Error("The admin kubeconfig gave no lean credentials the second time.");
  const transports = {
    baseline: new KubeTransport(await inMemory(lean)),
    kubeconfig: new KubeTransport(lean),
    timed: new KubeTransport(timed),
  };
  cleanup.defer("close the transports", () => Object.values(transports).forEach((t) => t.close()));
  const get = (t: KubeTransport) => () => t.request({ method: "GET", path: "/api/v1/namespaces/default" });
  const probe: https.RequestOptions = {};
  for (const t of Object.values(transports)) await cpuPerCall(flags.warmup, get(t));
  await cpuPerCall(flags.warmup * 10, () => lean.applyToHTTPSOptions(probe));

  const floor = await inMemory(lean);
  const rows: string[][] = [];
  const rounds: Round[] = [];
  const ratiosOf = (r: Round): [number, number] => [r[4] / r[3], r[5] / r[3]];
  for (let round = 1; round <= flags.rounds; round++) {
    const apply = await cpuPerCall(flags.requests * 10, () => lean.applyToHTTPSOptions({}));
    const timedApply = await cpuPerCall(flags.requests * 10, () => timed.applyToHTTPSOptions({}));
    const floorApply = await cpuPerCall(flags.requests * 10, () => floor.applyToHTTPSOptions({}));
    // The GETs alternate in chunks, so load that comes and goes falls on every series alike.
    let baseline = 0;
    let kubeconfig = 0;
    let timedGet = 0;
    const chunks = Math.ceil(flags.requests / CHUNK);
    for (let chunk = 0; chunk < chunks; chunk++) {
      baseline += (await cpuPerCall(CHUNK, get(transports.baseline))) / chunks;
      kubeconfig += (await cpuPerCall(CHUNK, get(transports.kubeconfig))) / chunks;
      timedGet += (await cpuPerCall(CHUNK, get(transports.timed))) / chunks;
    }
    const measured: Round = [apply, timedApply, floorApply, baseline, kubeconfig, timedGet];
    rounds.push(measured);
    rows.push(row(String(round), measured, ratiosOf(measured)));
  }
  // Medians of each column; the ratios' medians are of the rounds' ratios (each round's series ran side by side).
  const column = (i: number): number => median(rounds.map((r) => r[i] ?? NaN));
  const ratios = rounds.map(ratiosOf);
  rows.push(
    row(
      "median",
      [column(0), column(1), column(2), column(3), column(4), column(5)],
      [median(ratios.map((r) => r[0])), median(ratios.map((r) => r[1]))],
    ),
  );
  console.log(machineFacts(cluster.version));
  console.log(`load average: ${loadBefore} -> ${loadAverage()}`);
  console.log(
    `${flags.rounds} rounds of ${flags.requests} GETs per series (one at a time, alternating every ${CHUNK}) and ` +
      `${flags.requests * 10} applyToHTTPSOptions calls per series; CPU µs of this process per call`,
  );
  console.log(
    textTable(
      [
        "round",
        "apply µs",
        "apply, stat each µs",
        "apply, in memory µs",
        "GET, in memory µs",
        "GET µs",
        "GET, stat each µs",
        "GET / in memory",
        "GET, stat each / in memory",
      ],
      rows,
    ),
  );
});
