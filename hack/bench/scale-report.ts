// The tables `make bench-scale` prints: per run, the operator's requests per promotion, its rates against the raw
// API baseline of the same run, the burst's fairness, the queues and write rate over time, memory and restart,
// each with the goal of issue 12 and whether this machine met it. Nothing here is asserted.
import { totalWrites, type RequestCounts } from "./audit-counts.js";
import type { OperatorSample } from "./operator-sampler.js";
import { mib } from "./process-memory.js";
import type { RestartRun } from "./restart-phase.js";
import type { PromotionRun } from "./scale-phases.js";
import { summarize, textTable } from "./stats.js";

/** The goals of issue 12, printed as met or missed, never asserted. */
export const SCALE_GOALS = {
  objectWritesPerPromotion: 4,
  conflictShare: 0.02,
  throughputRatio: 0.7,
  firstPercentVerifiedMs: 10_000,
  idleRssBytes: 100e6,
  heapPerThousandBytes: 8e6,
  restartWrites: 0,
} as const;

const verdict = (met: boolean): string => (met ? "met" : "MISSED");
const fixed = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : "-");
const seconds = (ms: number): string => fixed(ms / 1000, 1);

/** The raw API baseline of the run: write rate with N in flight and write -> watch latency. */
export interface RawBaseline {
  readonly inFlight: number;
  /** Creates and updates per second over both series. */
  readonly writesPerSecond: number;
  readonly createsPerSecond: number;
  readonly updatesPerSecond: number;
  /** ms from the start of each create to its ADDED event on a watch. */
  readonly toWatch: readonly number[];
  /**
   * The baseline fair to CRDs: the same in-flight count of plain writes of Releases by the load generator
   * (raw-crd.ts). `releaseStatusPatchesPerSecond` is the rate the second ratio divides by.
   */
  readonly releaseCreatesPerSecond: number;
  readonly releaseStatusPatchesPerSecond: number;
  /** kube-apiserver CPU seconds per ConfigMap write (creates and updates) and per Release status patch. */
  readonly apiserverCpuPerWrite: number;
  readonly apiserverCpuPerReleaseStatusPatch: number;
  /** The operator's way: the whole Release PUT to `/status`, per second and CPU seconds each. */
  readonly releaseStatusPutsPerSecond: number;
  readonly apiserverCpuPerReleaseStatusPut: number;
}

/** The baseline table. */
export function formatRaw(raw: RawBaseline): string {
  const watch = summarize("raw ConfigMap create -> watch ADDED", raw.toWatch);
  return [
    `Raw API baseline (${raw.inFlight} in flight)`,
    textTable(
      ["measurement", "value"],
      [
        ["ConfigMap creates/s", fixed(raw.createsPerSecond, 0)],
        ["ConfigMap updates (merge patch)/s", fixed(raw.updatesPerSecond, 0)],
        ["raw write rate (creates+updates)/s", fixed(raw.writesPerSecond, 0)],
        ["create -> watch ADDED p50 ms", fixed(watch.p50, 1)],
        ["create -> watch ADDED p99 ms", fixed(watch.p99, 1)],
        ["Release creates/s", fixed(raw.releaseCreatesPerSecond, 0)],
        ["Release status merge patches/s (the CRD baseline)", fixed(raw.releaseStatusPatchesPerSecond, 0)],
        ["kube-apiserver CPU ms per ConfigMap write", fixed(raw.apiserverCpuPerWrite * 1000, 2)],
        [
          "kube-apiserver CPU ms per Release status patch",
          fixed(raw.apiserverCpuPerReleaseStatusPatch * 1000, 2),
        ],
        [
          "Release status PUTs/s (whole object, as the operator writes)",
          fixed(raw.releaseStatusPutsPerSecond, 0),
        ],
        [
          "kube-apiserver CPU ms per Release status PUT",
          fixed(raw.apiserverCpuPerReleaseStatusPut * 1000, 2),
        ],
      ],
    ),
  ].join("\n");
}

/** Per promotion: each verb+resource of the operator's requests, then the totals the goals are about. */
function perPromotionRows(counts: RequestCounts, releases: number): string[][] {
  const per = (n: number): string => fixed(n / releases, 2);
  const rows = [...counts.byRequest.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([kind, n]) => [kind, String(n), per(n)]);
  const writes = totalWrites(counts) - counts.leaseWrites;
  return [
    ...rows,
    ["object writes (no Events, no Leases)", String(counts.objectWrites), per(counts.objectWrites)],
    ["Event writes", String(counts.eventWrites), per(counts.eventWrites)],
    ["Lease writes (leader election)", String(counts.leaseWrites), per(counts.leaseWrites)],
    ["writes answered 409", String(counts.conflicts), per(counts.conflicts)],
    ["live GETs", String(counts.liveGets), per(counts.liveGets)],
    ["all writes (objects + Events)", String(writes), per(writes)],
  ];
}

/** The Events of a run by what they reported, per promotion. */
function formatReasons(reasons: ReadonlyMap<string, number>, per: number): string {
  const rows = [...reasons.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([reason, n]) => [reason, String(n), fixed(n / per, 2)]);
  return rows.length === 0
    ? "No Events."
    : textTable(["Event (regarding kind, reason)", "count", "per release"], rows);
}

/** The steady run: requests per promotion, rates, ratios and goals. */
export function formatPromotions(title: string, run: PromotionRun, raw: RawBaseline): string {
  const { operator, releases } = run;
  const promotionsPerSecond = (releases * 1000) / run.spanMs;
  const writesPerPromotion = (totalWrites(operator) - operator.leaseWrites) / releases;
  const objectWritesPerPromotion = operator.objectWrites / releases;
  const allWrites = totalWrites(operator);
  const conflictShare = allWrites === 0 ? 0 : operator.conflicts / allWrites;
  const ratio = (promotionsPerSecond * writesPerPromotion) / raw.writesPerSecond;
  const crdRatio = (promotionsPerSecond * writesPerPromotion) / raw.releaseStatusPatchesPerSecond;
  const loadWrites = totalWrites(run.load);
  return [
    `${title}: ${releases} one-stage releases promoted to Verified` +
      (run.settled ? "" : " (operator never went quiet)"),
    textTable(["operator request", "count", "per promotion"], perPromotionRows(operator, releases)),
    "",
    formatReasons(run.eventReasons, releases),
    "",
    textTable(
      ["rate / ratio", "value", "goal", "verdict"],
      [
        ["promotions/s", fixed(promotionsPerSecond), "-", "-"],
        ["s until the operator was quiet, queues empty (archiving done)", seconds(run.quietMs), "-", "-"],
        ["operator writes/s", fixed((allWrites * 1000) / run.spanMs, 0), "-", "-"],
        ["load generator writes (incl. Argo stand-in)/promotion", fixed(loadWrites / releases), "-", "-"],
        [
          "object writes/promotion",
          fixed(objectWritesPerPromotion),
          `<= ${SCALE_GOALS.objectWritesPerPromotion}`,
          verdict(objectWritesPerPromotion <= SCALE_GOALS.objectWritesPerPromotion),
        ],
        [
          "409 share of operator writes",
          `${fixed(conflictShare * 100, 1)}%`,
          `< ${SCALE_GOALS.conflictShare * 100}%`,
          verdict(conflictShare < SCALE_GOALS.conflictShare),
        ],
        [
          "promotions/s x writes/promotion / raw write rate",
          fixed(ratio, 3),
          `>= ${SCALE_GOALS.throughputRatio}`,
          verdict(ratio >= SCALE_GOALS.throughputRatio),
        ],
        [
          "promotions/s x writes/promotion / Release status patch rate (CRD baseline)",
          fixed(crdRatio, 3),
          "(information)",
          "-",
        ],
      ],
    ),
  ].join("\n");
}

/**
 * What one promotion cost kube-apiserver in CPU over a run (everything it served meanwhile: the release's create,
 * the operator, the Argo CD stand-in, every watch), in ms and in plain writes of the raw baseline: the ratio the
 * throughput goal is bounded by when the API server is the busy one.
 */
export function formatApiserverCost(
  cpuSeconds: number,
  run: Pick<PromotionRun, "releases" | "operator">,
  raw: RawBaseline,
): string {
  const perPromotion = cpuSeconds / run.releases;
  const inWrites = perPromotion / raw.apiserverCpuPerWrite;
  const inPatches = perPromotion / raw.apiserverCpuPerReleaseStatusPatch;
  const writesPerPromotion = (totalWrites(run.operator) - run.operator.leaseWrites) / run.releases;
  return [
    `kube-apiserver CPU per promotion: ${fixed(perPromotion * 1000, 1)} ms = ${fixed(inWrites, 1)} ConfigMap writes = ` +
      `${fixed(inPatches, 1)} Release status patches of the baseline`,
    // With the API server saturated, promotions/s = (its CPU/s) / (CPU per promotion) and the raw rate = (its CPU/s)
    // / (CPU per write): the ratio can be no higher than writes per promotion / CPU per promotion in writes.
    `ceiling of the ratio while kube-apiserver is the bound: ${fixed(writesPerPromotion / inWrites, 3)} against ` +
      `ConfigMap writes (goal ${SCALE_GOALS.throughputRatio}), ${fixed(writesPerPromotion / inPatches, 3)} against ` +
      "Release status patches",
  ].join("\n");
}

/** The burst: creation -> Verified quantiles and when the first 1%, 10%, 50%, 100% were Verified. */
export function formatFairness(run: PromotionRun): string {
  const latency = summarize("creation -> Verified", run.toVerified);
  const at = (q: number): number =>
    run.verifiedOffsets[Math.max(0, Math.ceil(q * run.verifiedOffsets.length) - 1)] ?? Number.NaN;
  const first = at(0.01);
  return [
    `Fairness: ${run.releases} releases created together`,
    textTable(
      ["measurement", "seconds"],
      [
        ["creation -> Verified p50", seconds(latency.p50)],
        ["creation -> Verified p90", seconds(latency.p90)],
        ["creation -> Verified p99", seconds(latency.p99)],
        ["first 1% Verified (from the first create)", seconds(first)],
        ["first 10% Verified", seconds(at(0.1))],
        ["first 50% Verified", seconds(at(0.5))],
        ["100% Verified", seconds(at(1))],
      ],
    ),
    `goal: the first releases Verified within seconds (first 1% <= ${SCALE_GOALS.firstPercentVerifiedMs / 1000} s), ` +
      `not with the last: ${verdict(first <= SCALE_GOALS.firstPercentVerifiedMs)}`,
  ].join("\n");
}

/** Queue depth, the operator's and the load generator's writes per second, and RSS over the run. */
export function formatTimeline(run: PromotionRun, maxRows = 30): string {
  const queues = [...new Set(run.samples.flatMap((s) => Object.keys(s.depth)))].filter((name) =>
    run.samples.some((s) => (s.depth[name] ?? 0) > 0),
  );
  const length = Math.max(run.operatorWritesPerSecond.length, ...run.samples.map((s) => s.second + 1));
  const step = Math.max(1, Math.ceil(length / maxRows));
  const rows: string[][] = [];
  for (let from = 0; from < length; from += step) {
    const sample = closestSample(run.samples, from);
    const rate = (series: readonly number[]): string =>
      fixed(series.slice(from, from + step).reduce((a, b) => a + b, 0) / step, 0);
    rows.push([
      String(from),
      ...queues.map((q) => (sample === undefined ? "-" : String(sample.depth[q] ?? 0))),
      rate(run.operatorWritesPerSecond),
      rate(run.loadWritesPerSecond),
      sample === undefined || sample.rss === 0 ? "-" : mib(sample.rss),
    ]);
  }
  return [
    `Over time (every ${step} s; queue depth and RSS sampled at that second, writes/s averaged over the step)`,
    textTable(
      ["s", ...queues.map((q) => `depth ${q}`), "operator writes/s", "load writes/s", "RSS MiB"],
      rows,
    ),
  ].join("\n");
}

function closestSample(samples: readonly OperatorSample[], second: number): OperatorSample | undefined {
  let best: OperatorSample | undefined;
  for (const s of samples) {
    if (best === undefined || Math.abs(s.second - second) < Math.abs(best.second - second)) best = s;
  }
  return best;
}

/** One reading of the operator's memory. */
export interface MemoryReading {
  /** VmRSS. */
  readonly rss: number;
  /** `nodejs_heap_size_used_bytes` as scraped, without a forced GC (taken before `heapAfterGc`). */
  readonly heapUsed?: number;
  /** `process.memoryUsage().heapUsed` after two full GCs forced through the inspector. */
  readonly heapAfterGc?: number;
}

/** Memory readings of the run, each from /proc/<pid>/status, /metrics and the inspector. */
export interface MemoryReadings {
  readonly idle: MemoryReading;
  readonly rows: readonly (MemoryReading & {
    label: string;
    releases: number;
    peakRss: number;
    /** `settled`: the process that promoted them, its queues empty; `restarted`: a new process over them. */
    process: "settled" | "restarted";
  })[];
}

/** Heap per 1,000 releases: the growth from idle to a reading with `releases` cached, or undefined without both. */
export function heapPerThousand(
  idle: number | undefined,
  loaded: number | undefined,
  releases: number,
): number | undefined {
  return idle === undefined || loaded === undefined || releases <= 0
    ? undefined
    : ((loaded - idle) * 1000) / releases;
}

/** RSS and heap at idle, peak and settled, and the heap per 1,000 releases after GC against the goal. */
export function formatMemory(memory: MemoryReadings): string {
  const heap = (h: number | undefined): string => (h === undefined ? "n/a" : mib(h));
  const rows = [
    [
      "idle, no objects",
      "0",
      mib(memory.idle.rss),
      "-",
      heap(memory.idle.heapUsed),
      heap(memory.idle.heapAfterGc),
    ],
    ...memory.rows.map((r) => [
      r.label,
      String(r.releases),
      mib(r.rss),
      mib(r.peakRss),
      heap(r.heapUsed),
      heap(r.heapAfterGc),
    ]),
  ];
  const lines = [
    "Memory of the operator process (VmRSS / VmHWM from /proc; heap used: nodejs_heap_size_used_bytes as scraped, " +
      "no forced GC; after GC: process.memoryUsage().heapUsed after two full GCs forced through the inspector)",
    textTable(["when", "releases", "RSS MiB", "peak RSS MiB", "heap used MiB", "heap after GC MiB"], rows),
    `goal: idle RSS <= ${mib(SCALE_GOALS.idleRssBytes)} MiB: ${verdict(memory.idle.rss <= SCALE_GOALS.idleRssBytes)}`,
  ];
  const settled = memory.rows.filter((r) => r.process === "settled").at(-1);
  const afterGc = settled && heapPerThousand(memory.idle.heapAfterGc, settled.heapAfterGc, settled.releases);
  if (afterGc !== undefined)
    lines.push(
      `heap per 1,000 releases after GC (settled minus idle, both after a forced GC): ${mib(afterGc)} MiB; ` +
        `goal <= ${mib(SCALE_GOALS.heapPerThousandBytes)} MiB after GC: ` +
        verdict(afterGc <= SCALE_GOALS.heapPerThousandBytes),
    );
  const restarted = memory.rows.filter((r) => r.process === "restarted").at(-1);
  const restartedAfterGc =
    restarted && heapPerThousand(memory.idle.heapAfterGc, restarted.heapAfterGc, restarted.releases);
  if (restartedAfterGc !== undefined)
    lines.push(
      `heap per 1,000 releases after GC, the restarted process minus idle: ${mib(restartedAfterGc)} MiB (information)`,
    );
  const last = memory.rows.at(-1);
  const upperBound = last && heapPerThousand(memory.idle.heapUsed, last.heapUsed, last.releases);
  if (upperBound !== undefined)
    lines.push(
      `heap per 1,000 releases (last row minus idle, without a forced GC: an upper bound): ${mib(upperBound)} MiB ` +
        "(information; the goal is judged after GC)",
    );
  return lines.join("\n");
}

/** The restart over settled releases: time to ready and to leading, and what it wrote. */
export function formatRestart(run: RestartRun, releases: number): string {
  const quietWrites = totalWrites(run.afterLeading) - run.afterLeading.leaseWrites;
  return [
    `Restart with ${releases} settled releases`,
    textTable(
      ["measurement", "value"],
      [
        ["spawn -> /readyz 200 (s)", seconds(run.readyMs)],
        ["spawn -> leading, release workers started (s)", seconds(run.leadingMs)],
        [`writes in the ${run.quietSeconds} s after leading (no Leases)`, String(quietWrites)],
        ["  of them Events", String(run.afterLeading.eventWrites)],
        ["Lease writes in that time", String(run.afterLeading.leaseWrites)],
        [
          "writes since the spawn (no Leases)",
          String(totalWrites(run.sinceSpawn) - run.sinceSpawn.leaseWrites),
        ],
        ["lists since the spawn (informers)", String(run.sinceSpawn.lists)],
        ["live GETs since the spawn", String(run.sinceSpawn.liveGets)],
      ],
    ),
    formatReasons(run.eventReasons, releases),
    `goal: ${SCALE_GOALS.restartWrites} writes after a restart: ${verdict(quietWrites <= SCALE_GOALS.restartWrites)}`,
  ].join("\n");
}
