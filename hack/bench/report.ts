import { latencyTable, summarize, textTable, type LatencySummary } from "./stats.js";
import type { TimedRun, WriteTimings } from "./timed-runs.js";
import { cpuCeilings, serving, type ServerCpu } from "./server-cpu.js";

/** The absolute targets of the issue; printed as met or missed on this machine, never asserted. */
export const TARGETS = {
  receiverP99Ms: 100,
  deliveryToWatchP99Ms: 1000,
  /** Issue 12: receiver alerts/s at least this share of raw creates/s, with the concurrent series in flight. */
  concurrentThroughputRatio: 0.5,
} as const;

/** Every series of one run, each measured against the same API server within minutes of the others. */
export interface BenchResults {
  readonly rawWrites: WriteTimings;
  readonly deliveries: WriteTimings;
  readonly duplicates: TimedRun;
  readonly fsync: TimedRun;
  /** The series with several requests in flight, when the run had them. */
  readonly concurrent?: {
    readonly inFlight: number;
    readonly rawWrites: WriteTimings;
    readonly deliveries: WriteTimings;
    /**
     * The API server's write requests from the start of the concurrent alert series until the controllers were
     * done reacting, divided by the number of alerts, by `VERB resource`.
     */
    readonly writesPerAlert?: readonly (readonly [string, number])[];
    /** The reads of objects (GET, LIST) over the same span, per alert, by `VERB resource`: every client's. */
    readonly readsPerAlert?: readonly (readonly [string, number])[];
    /**
     * The CPU seconds each process spent per ConfigMap create of the concurrent raw series and per alert of the
     * concurrent alert series (until the controllers were done reacting), each beyond the idle floor measured
     * just before.
     */
    readonly cpu?: { idlePerSecond: ServerCpu; perCreate: ServerCpu; perAlert: ServerCpu };
  };
}

const ms = (seconds: number): string => (seconds * 1000).toFixed(2);
const times = (value: number | undefined): string => (value === undefined ? "n/a" : value.toFixed(3));

/** The CPU a create and an alert cost each process, and the ratio ceilings they allow while CPU is the bound. */
function cpuSection(cpu: { idlePerSecond: ServerCpu; perCreate: ServerCpu; perAlert: ServerCpu }): string[] {
  const row = (label: string, c: ServerCpu): string[] => [
    label,
    ms(c.apiserver),
    ms(c.etcd),
    ms(c.operator),
    ms(serving(c)),
    ms(c.generator),
  ];
  const ceilings = cpuCeilings(cpu.perCreate, cpu.perAlert);
  const inCreates = (ceiling: number | undefined): string =>
    ceiling === undefined ? "n/a" : (1 / ceiling).toFixed(1);
  return [
    "",
    "CPU per request of the concurrent series, ms (each process's idle floor over the span taken out; idle, ms " +
      `per second: kube-apiserver ${ms(cpu.idlePerSecond.apiserver)}, etcd ${ms(cpu.idlePerSecond.etcd)}, ` +
      `operator ${ms(cpu.idlePerSecond.operator)})`,
    textTable(
      ["series", "kube-apiserver", "etcd", "operator", "servers", "load generator"],
      [
        row("raw API: ConfigMap create", cpu.perCreate),
        row("alert, until the controllers were done reacting", cpu.perAlert),
      ],
    ),
    `an alert costs kube-apiserver the CPU of ${inCreates(ceilings.apiserver)} ConfigMap creates, and the servers ` +
      `together (kube-apiserver, etcd, operator) ${inCreates(ceilings.serving)}`,
    "ceiling of alerts/s / raw creates/s while CPU is the bound: kube-apiserver's alone " +
      `${times(ceilings.apiserver)}, the servers' together ${times(ceilings.serving)}`,
  ];
}

const ratio = (numerator: number, denominator: number): string => (numerator / denominator).toPrecision(3);
const verdict = (value: number, limit: number): string =>
  `${value <= limit ? "met" : "MISSED"} (p99 ${value.toFixed(1)} ms, target under ${limit} ms)`;

type WriteRows = [LatencySummary, LatencySummary, LatencySummary, LatencySummary];

/** Raw create, raw create->watch, receiver answer, delivery->task watch: the four rows every series prints. */
function writeRows(prefix: string, raw: WriteTimings, deliveries: WriteTimings): WriteRows {
  return [
    summarize(`${prefix}raw API: ConfigMap create`, raw.run.latencies, raw.run.spanMs),
    summarize(`${prefix}raw API: create start -> watch ADDED`, raw.toWatch),
    summarize(`${prefix}receiver: POST opening a task`, deliveries.run.latencies, deliveries.run.spanMs),
    summarize(`${prefix}receiver: POST start -> task watch ADDED`, deliveries.toWatch),
  ];
}

/** The p50 of the first and of the last quarter of a series, to show whether it slowed as objects piled up. */
function drift(label: string, samples: readonly number[]): string[] {
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const p50 = (part: readonly number[]): string => summarize(label, part).p50.toFixed(1);
  return [label, p50(samples.slice(0, quarter)), p50(samples.slice(-quarter))];
}

/** The results as the text the benchmark prints: tables of quantiles, the ratios, and the targets. */
export function formatResults(results: BenchResults): string {
  const [rawCreate, rawWatch, receiver, receiverWatch] = writeRows("", results.rawWrites, results.deliveries);
  const duplicate = summarize(
    "receiver: duplicate POST (409 path)",
    results.duplicates.latencies,
    results.duplicates.spanMs,
  );
  const fsync = summarize(
    "disk: 1 KiB append + fsync (audit)",
    results.fsync.latencies,
    results.fsync.spanMs,
  );
  const { latencies } = results.deliveries.run;
  const afterVisible = summarize(
    "receiver: task watch ADDED -> answer",
    latencies.map((latency, i) => latency - (results.deliveries.toWatch[i] ?? Number.NaN)),
  );
  const sections = [
    "Sequential: one request at a time",
    latencyTable([rawCreate, rawWatch, receiver, receiverWatch, afterVisible, duplicate, fsync]),
    "",
    "Drift along the sequential series: p50 of its first quarter -> p50 of its last quarter",
    textTable(
      ["series", "first ms", "last ms"],
      [
        drift("raw API: ConfigMap create", results.rawWrites.run.latencies),
        drift("receiver: POST opening a task", latencies),
      ],
    ),
  ];
  const ratios: string[][] = [
    ["receiver p99 / raw write p99", ratio(receiver.p99, rawCreate.p99)],
    ["delivery->task watch p99 / raw write->watch p99", ratio(receiverWatch.p99, rawWatch.p99)],
    ["receiver p50 / raw write p50", ratio(receiver.p50, rawCreate.p50)],
    ["duplicate p99 / raw write p99", ratio(duplicate.p99, rawCreate.p99)],
  ];
  const concurrent = results.concurrent;
  let throughput: string | undefined;
  if (concurrent !== undefined) {
    const rows = writeRows(`${concurrent.inFlight} in flight: `, concurrent.rawWrites, concurrent.deliveries);
    sections.push("", `Concurrent: ${concurrent.inFlight} requests in flight`, latencyTable(rows));
    const perAlert = (title: string, counts: readonly (readonly [string, number])[], all: string): void => {
      const total = counts.reduce((sum, [, n]) => sum + n, 0);
      sections.push(
        "",
        title,
        textTable(
          ["request", "per alert"],
          [...counts.map(([key, n]) => [key, n.toFixed(2)]), [all, total.toFixed(2)]],
        ),
      );
    };
    if (concurrent.writesPerAlert !== undefined) {
      perAlert(
        "API writes per alert of that series, by any client, until the controllers were done reacting",
        concurrent.writesPerAlert,
        "all writes",
      );
    }
    if (concurrent.readsPerAlert !== undefined) {
      perAlert(
        "API reads of objects (GET, LIST) per alert over the same span, by any client",
        concurrent.readsPerAlert,
        "all reads",
      );
    }
    if (concurrent.cpu !== undefined) sections.push(...cpuSection(concurrent.cpu));
    const [cRaw, cRawWatch, cReceiver, cReceiverWatch] = rows;
    const share = (cReceiver.perSecond ?? 0) / (cRaw.perSecond ?? 1);
    const writes = concurrent.writesPerAlert?.reduce((sum, [, n]) => sum + n, 0);
    throughput =
      `${concurrent.inFlight} in flight: receiver alerts/s at least ${TARGETS.concurrentThroughputRatio} of raw ` +
      `creates/s: ${share.toFixed(3)} -> ${share >= TARGETS.concurrentThroughputRatio ? "met" : "MISSED"}` +
      (writes === undefined || writes <= 0
        ? ""
        : ` (${writes.toFixed(2)} API writes per alert against 1 per raw create: about ` +
          `${(1 / writes).toFixed(2)} if each cost what a raw create does)`);
    ratios.push(
      ["concurrent receiver p99 / raw write p99", ratio(cReceiver.p99, cRaw.p99)],
      ["concurrent delivery->watch p99 / raw write->watch p99", ratio(cReceiverWatch.p99, cRawWatch.p99)],
      ["concurrent receiver alerts/s / raw creates/s", ratio(cReceiver.perSecond ?? 0, cRaw.perSecond ?? 1)],
    );
  }
  sections.push(
    "",
    "Ratios against the baseline of this run",
    textTable(["ratio", "value"], ratios),
    "",
    "Targets on this machine (informational, never asserted)",
    `receiver response p99 < ${TARGETS.receiverP99Ms} ms: ${verdict(receiver.p99, TARGETS.receiverP99Ms)}`,
    `delivery -> task visible through a watch p99 < ${TARGETS.deliveryToWatchP99Ms} ms: ` +
      verdict(receiverWatch.p99, TARGETS.deliveryToWatchP99Ms),
  );
  if (throughput !== undefined) sections.push(throughput);
  return sections.join("\n");
}
