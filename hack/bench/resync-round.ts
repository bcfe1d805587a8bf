// `tsx hack/bench/resync-round.ts [--objects=10000] [--controllers=3] [--pass-ms=0.5] [--period-s=60]
// [--slices=600] [--flight-per-second=50]`: what one periodic resync round costs the work in flight (issue 12, ADR
// 0068), as a burst (before: the whole cache re-delivered at once, and a watched Environment's resync naming every
// object again) and spread (after: `startResync` in slices, watched resyncs queue nothing). In one process, per mode:
// N cached objects in a real ObjectStore, re-delivered by the real `startResync` to `controllers` listeners, each a
// real WorkQueue with 4 workers (`runWorkers`) queueing by the real `eventPriority` / `watchPriority`; a pass that
// finds nothing new is `pass-ms` of CPU; objects in flight are due as `normal` keys at `flight-per-second` per
// controller, and each one's wait counts from when it was due. The first period of each mode has no resync and is its baseline; the next window holds one round and
// its passes (at least a period, until no pass ran for a second). Prints
// per window the event-loop delay, the latency of the keys in flight and the CPU, and the ratios round/baseline and
// spread/burst. A round of 10 minutes is 600 slices of a second (17 of 10,000 objects a slice): `--slices=600`
// keeps that slice size in a period shortened to `period-s`. Nothing is asserted on a timing.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { z } from "zod";
import { eventPriority, watchPriority } from "../../src/runtime/controller.js";
import type { InformerEvent } from "../../src/runtime/informer/informer.js";
import { startResync } from "../../src/runtime/informer/resync.js";
import { ObjectStore } from "../../src/runtime/informer/store.js";
import { objectKey, type KubeObject } from "../../src/runtime/kube/object.js";
import { runWorkers } from "../../src/runtime/worker-pool.js";
import { WorkQueue } from "../../src/runtime/workqueue/workqueue.js";
import { loadAverage } from "./machine-facts.js";
import { summarize } from "./stats.js";
import { camelCasedFlags } from "./bench-options.js";

const Options = z.object({
  objects: z.coerce.number().int().positive().default(10_000),
  controllers: z.coerce.number().int().positive().default(3),
  passMs: z.coerce.number().positive().default(0.5),
  periodS: z.coerce.number().positive().default(60),
  slices: z.coerce.number().int().positive().default(600),
  flightPerSecond: z.coerce.number().positive().default(50),
});
type Options = z.infer<typeof Options>;

function parseOptions(argv: readonly string[]): Options {
  return Options.parse(camelCasedFlags(argv));
}

type Mode = "burst" | "spread";

/** The round's window ends once no pass it queued ran for this long. */
const DRAIN_MS = 1_000;

/** What one window measured. */
interface Window {
  seconds: number;
  cpuSeconds: number;
  loopMaxMs: number;
  loopP99Ms: number;
  flightMs: number[];
  lowPasses: number;
}

const log = (line: string): void => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

/** A pass that finds nothing new: `ms` of CPU. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

function cachedObject(i: number): KubeObject {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Release",
    metadata: { name: `shop-${i}`, namespace: "scale", resourceVersion: String(1000 + i) },
    spec: { pipeline: ["prod"], targets: [{ environment: "prod", argoCD: { name: `app-${i}` } }] },
  };
}

async function runMode(mode: Mode, o: Options): Promise<{ baseline: Window; round: Window }> {
  const periodMs = o.periodS * 1000;
  const releases = new ObjectStore();
  for (let i = 0; i < o.objects; i++) releases.upsert(cachedObject(i));
  const environments = new ObjectStore();
  environments.upsert({
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Environment",
    metadata: { name: "prod" },
  });

  const stop = new AbortController();
  const queues = Array.from({ length: o.controllers }, (_, i) => new WorkQueue({ name: `${mode}-${i}` }));
  const flightAddedAt = new Map<string, number>();
  const flight: { addedAt: number; ms: number }[] = [];
  let lowPasses = 0;
  const handle = (key: string): Promise<{ kind: "done" }> => {
    const added = flightAddedAt.get(key);
    if (added === undefined) lowPasses++;
    else flight.push({ addedAt: added, ms: performance.now() - added });
    busy(o.passMs);
    return Promise.resolve({ kind: "done" });
  };
  const primaryEvent = (event: InformerEvent): void => {
    for (const queue of queues) queue.add(objectKey(event.object), eventPriority(event));
  };
  // The Environment wakes every release whose pipeline names it (RELEASES_BY_ENVIRONMENT).
  const watchedEvent = (event: InformerEvent): void => {
    // Before ADR 0068 a watched resync queued its keys `low` (ADR 0063); since, nothing.
    const priority = mode === "burst" ? "low" : watchPriority(event);
    if (priority === undefined) return;
    for (const queue of queues) for (const key of releases.keys()) queue.add(key, priority);
  };
  const slices = mode === "burst" ? 1 : o.slices;
  // One round only: the resync stops once the round has re-delivered every object (late ticks stretch it).
  let resynced = 0;
  let roundDone = (): void => undefined;
  const roundEnded = new Promise<void>((resolve) => (roundDone = resolve));
  const stopResync = (): void => {
    for (const timer of timers) clearInterval(timer);
    roundDone();
  };
  const timers = [
    startResync(
      {
        store: releases,
        ready: () => true,
        resync: (object) => {
          primaryEvent({ type: "resync", object });
          if (++resynced === o.objects) stopResync();
        },
      },
      periodMs,
      stop.signal,
      slices,
    ),
    startResync(
      {
        store: environments,
        ready: () => true,
        resync: (object) => watchedEvent({ type: "resync", object }),
      },
      periodMs,
      stop.signal,
      slices,
    ),
  ];
  // Keys in flight arrive on a fixed schedule, as watch events wait in their socket: one the event loop could not
  // take in on time is queued late, and its wait counts from when it was due.
  let n = 0;
  const every = 1000 / o.flightPerSecond;
  let due = performance.now() + every;
  const arrivals = setInterval(() => {
    for (const now = performance.now(); due <= now; due += every) {
      for (const queue of queues) {
        const key = `flight/f-${n++}`;
        flightAddedAt.set(key, due);
        queue.add(key, "normal");
      }
    }
  }, 5);
  const workers = queues.map((queue) =>
    runWorkers({ queue, workers: 4, signal: stop.signal, handle: (key) => handle(key) }),
  );

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const measure = async (until: Promise<unknown>): Promise<Window> => {
    loop.reset();
    const cpu = process.cpuUsage();
    const passesBefore = lowPasses;
    const from = performance.now();
    await until;
    const to = performance.now();
    const used = process.cpuUsage(cpu);
    return {
      seconds: (to - from) / 1000,
      cpuSeconds: (used.user + used.system) / 1e6,
      loopMaxMs: loop.max / 1e6,
      loopP99Ms: loop.percentile(99) / 1e6,
      flightMs: flight.filter((f) => f.addedAt >= from && f.addedAt < to).map((f) => f.ms),
      lowPasses: lowPasses - passesBefore,
    };
  };
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  /** Until the round has re-delivered everything, a period has passed, and no low pass ran for DRAIN_MS. */
  const drained = async (): Promise<void> => {
    await Promise.all([roundEnded, sleep(periodMs)]);
    for (let seen = -1; seen !== lowPasses;) {
      seen = lowPasses;
      await sleep(DRAIN_MS);
    }
  };
  try {
    await sleep(500);
    const baseline = await measure(sleep(periodMs - 1_000));
    const round = await measure(drained());
    return { baseline, round };
  } finally {
    loop.disable();
    clearInterval(arrivals);
    stopResync();
    stop.abort();
    await Promise.all(workers);
  }
}

function row(label: string, w: Window): string {
  const f = summarize(label, w.flightMs);
  return (
    `| ${label} | ${w.seconds.toFixed(1)} | ${w.lowPasses} | ${((100 * w.cpuSeconds) / w.seconds).toFixed(0)}% | ` +
    `${w.loopP99Ms.toFixed(0)} | ${w.loopMaxMs.toFixed(0)} | ${(f.count / w.seconds).toFixed(0)} | ` +
    `${f.p50.toFixed(1)} | ${f.p99.toFixed(1)} | ${f.max.toFixed(1)} |`
  );
}

const p99 = (w: Window): number => summarize("in flight", w.flightMs).p99;
const flightRate = (w: Window): number => w.flightMs.length / w.seconds;
const ratio = (a: number, b: number): string => (b === 0 ? "n/a" : (a / b).toFixed(2));

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  log(
    `${o.objects} objects, ${o.controllers} controllers x 4 workers, a pass ${o.passMs} ms of CPU, period ` +
      `${o.periodS} s (spread: ${o.slices} slices), ${o.flightPerSecond} keys in flight/s per controller; ` +
      `load average ${loadAverage()}`,
  );
  const results = new Map<Mode, { baseline: Window; round: Window }>();
  for (const mode of ["burst", "spread"] as const) {
    log(`Running ${mode}: a baseline period, then a period with one round...`);
    results.set(mode, await runMode(mode, o));
  }
  console.log(
    "\n| window | s | low passes | CPU | loop delay p99 (ms) | max (ms) | keys in flight/s | their wait p50 (ms) | p99 (ms) | max (ms) |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const [mode, r] of results) {
    console.log(row(`${mode}: baseline`, r.baseline));
    console.log(row(`${mode}: round`, r.round));
  }
  const burst = results.get("burst");
  const spread = results.get("spread");
  if (burst === undefined || spread === undefined) return;
  const extraCpu = (r: { baseline: Window; round: Window }): number =>
    r.round.cpuSeconds - (r.baseline.cpuSeconds / r.baseline.seconds) * r.round.seconds;
  console.log(
    `\nround/baseline, in flight p99: burst ${ratio(p99(burst.round), p99(burst.baseline))}, ` +
      `spread ${ratio(p99(spread.round), p99(spread.baseline))}; ` +
      `loop delay max: burst ${ratio(burst.round.loopMaxMs, burst.baseline.loopMaxMs)}, ` +
      `spread ${ratio(spread.round.loopMaxMs, spread.baseline.loopMaxMs)}; ` +
      `loop delay p99: burst ${ratio(burst.round.loopP99Ms, burst.baseline.loopP99Ms)}, ` +
      `spread ${ratio(spread.round.loopP99Ms, spread.baseline.loopP99Ms)}; ` +
      `keys in flight/s: burst ${ratio(flightRate(burst.round), flightRate(burst.baseline))}, ` +
      `spread ${ratio(flightRate(spread.round), flightRate(spread.baseline))}`,
  );
  console.log(
    `spread/burst in the round: in flight p99 ${ratio(p99(spread.round), p99(burst.round))}, ` +
      `loop delay max ${ratio(spread.round.loopMaxMs, burst.round.loopMaxMs)}, ` +
      `low passes ${ratio(spread.round.lowPasses, burst.round.lowPasses)}, ` +
      `CPU above baseline ${ratio(extraCpu(spread), extraCpu(burst))} ` +
      `(${extraCpu(spread).toFixed(1)} s against ${extraCpu(burst).toFixed(1)} s)`,
  );
  console.log(`load average at the end ${loadAverage()}`);
}

await main();
