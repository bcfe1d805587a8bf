import { cacheTrimming, createInformers, type Informers } from "../../src/controllers/informers.js";
import type { Informer, InformerMetrics } from "../../src/runtime/informer/informer.js";
import type { CacheTransform } from "../../src/runtime/informer/transform.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { silentLogger } from "../../src/runtime/logging.js";
import { heapAfterGc } from "./memory-probes.js";

/** What the operator's shared caches hold and cost in this process's heap. */
export interface CacheHeap {
  /** heapUsed after GC with the caches synced, minus heapUsed after GC before they were built, in bytes. */
  bytes: number;
  /** Objects cached, by informer. */
  objects: Record<keyof Informers, number>;
  /** The mean size of a cached object as JSON, in bytes, by informer (0 when it holds none). */
  jsonBytes: Record<keyof Informers, number>;
  /** Heap per cached object after GC, in bytes, by informer, each measured with that informer alone running. */
  heapPerObject: Record<keyof Informers, number>;
  /** The heap each informer takes alone (its objects and what it holds whatever their number), in bytes. */
  aloneBytes: Record<keyof Informers, number>;
}

const keep: CacheTransform = (object) => object;

/** Every group of kinds cached as the API server returns it: the baseline. */
const untrimmed = Object.fromEntries(Object.keys(cacheTrimming).map((group) => [group, keep])) as Record<
  keyof typeof cacheTrimming,
  CacheTransform
>;

const uncounted: InformerMetrics = {
  restarted: () => undefined,
  relisted: () => undefined,
  watchStalled: () => undefined,
  bookmarked: () => undefined,
};

/**
 * Builds the operator's own shared informers (as `stagegate run` does, with or without the cache trimming),
 * lists and watches until they are synced, and measures what they hold after a full GC. Stops them after.
 */
export async function measureCacheHeap(admin: KubeClient, trimmed: boolean): Promise<CacheHeap> {
  const all = await measureInformers(admin, trimmed, () => true);
  const heapPerObject = {} as Record<keyof Informers, number>;
  const aloneBytes = {} as Record<keyof Informers, number>;
  for (const name of Object.keys(all.objects) as (keyof Informers)[]) {
    const alone = await measureInformers(admin, trimmed, (n) => n === name);
    const count = all.objects[name];
    aloneBytes[name] = alone.bytes;
    heapPerObject[name] = count === 0 ? 0 : Math.round(alone.bytes / count);
  }
  return { ...all, heapPerObject, aloneBytes };
}

/** Runs the informers `runs` selects (the others stay empty) until synced, and measures them (see above). */
async function measureInformers(
  admin: KubeClient,
  trimmed: boolean,
  runs: (name: keyof Informers) => boolean,
): Promise<Omit<CacheHeap, "heapPerObject" | "aloneBytes">> {
  const before = await heapAfterGc();
  const informers = createInformers(
    {
      client: admin,
      log: silentLogger,
      metrics: { informer: uncounted },
      informer: { namespace: undefined, resyncMs: 0, stallTimeoutMs: 90_000 },
    },
    trimmed ? cacheTrimming : untrimmed,
  );
  const stop = new AbortController();
  const selected = (Object.entries(informers) as [keyof Informers, Informer][])
    .filter(([name]) => runs(name))
    .map(([, informer]) => informer);
  const running = selected.map((informer) => informer.run(stop.signal));
  try {
    await Promise.all(selected.map((informer) => informer.waitForSync(stop.signal)));
    const after = await heapAfterGc();
    const objects = Object.fromEntries(
      (Object.entries(informers) as [keyof Informers, Informer][]).map(([name, informer]) => [
        name,
        informer.store.size,
      ]),
    ) as Record<keyof Informers, number>;
    const jsonBytes = Object.fromEntries(
      (Object.entries(informers) as [keyof Informers, Informer][]).map(([name, informer]) => {
        const cached = informer.store.list();
        const total = cached.reduce((sum, object) => sum + JSON.stringify(object).length, 0);
        return [name, cached.length === 0 ? 0 : Math.round(total / cached.length)];
      }),
    ) as Record<keyof Informers, number>;
    return { bytes: after - before, objects, jsonBytes };
  } finally {
    stop.abort();
    await Promise.all(running);
  }
}
