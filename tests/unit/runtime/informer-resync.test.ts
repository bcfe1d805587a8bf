import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import {
  ResyncSchedule,
  resyncSlices,
  startResync,
  type ResyncTarget,
} from "../../../src/runtime/informer/resync.js";
import { ObjectStore } from "../../../src/runtime/informer/store.js";

const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `ns/obj-${i}`);

/** The keys each tick hands out, over `ticks` ticks. */
function ticks(schedule: ResyncSchedule, count: number, cached: () => readonly string[]): string[][] {
  return Array.from({ length: count }, () => [...schedule.due(cached)]);
}

describe("ResyncSchedule: a resync round spread over its period", () => {
  const rows = [
    { slices: 1, objects: 5 },
    { slices: 4, objects: 10 },
    { slices: 10, objects: 3 },
    { slices: 600, objects: 10_000 },
    { slices: 7, objects: 0 },
  ];
  for (const { slices, objects } of rows) {
    it(`re-delivers each of ${objects} objects once per round of ${slices} slices, in slices that differ by one at most`, () => {
      const cached = keys(objects);
      const schedule = new ResyncSchedule(slices);
      const waiting = ticks(schedule, slices - 1, () => cached);
      assert.deepEqual(waiting.flat(), [], "nothing in the first period");
      for (let round = 0; round < 2; round++) {
        const slicesOfRound = ticks(schedule, slices, () => cached);
        assert.deepEqual(slicesOfRound.flat(), cached, `round ${round}: every object once, in order`);
        const sizes = slicesOfRound.map((s) => s.length);
        assert.ok(
          Math.max(...sizes) - Math.min(...sizes) <= 1,
          `round ${round}: even slices ${sizes.join()}`,
        );
      }
    });
  }

  it("takes the cached keys once per round: an object cached mid-round waits for the next one", () => {
    const cached = keys(4);
    let asked = 0;
    const snapshot = (): readonly string[] => {
      asked++;
      return [...cached];
    };
    const schedule = new ResyncSchedule(2);
    assert.deepEqual(schedule.due(snapshot), []);
    assert.deepEqual(schedule.due(snapshot), ["ns/obj-0", "ns/obj-1"]);
    cached.push("ns/late");
    assert.deepEqual(schedule.due(snapshot), ["ns/obj-2", "ns/obj-3"]);
    assert.equal(asked, 1);
    assert.deepEqual(
      [...schedule.due(snapshot), ...schedule.due(snapshot)],
      [...keys(4), "ns/late"],
      "the next round has it",
    );
    assert.equal(asked, 2);
  });

  it("refuses a round of no slices", () => {
    assert.throws(() => new ResyncSchedule(0), RangeError);
    assert.throws(() => new ResyncSchedule(1.5), RangeError);
  });
});

describe("resyncSlices", () => {
  const rows = [
    { period: "50 ms", ms: 50, slices: 1 },
    { period: "1.5 s", ms: 1_500, slices: 1 },
    { period: "90 s", ms: 90_000, slices: 90 },
    { period: "10 min", ms: 600_000, slices: 600 },
    { period: "1 h", ms: 3_600_000, slices: 600 },
  ];
  for (const row of rows) {
    it(`cuts a round of ${row.period} into ${row.slices} slices`, () => {
      assert.equal(resyncSlices(row.ms), row.slices);
    });
  }
});

describe("startResync", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setInterval"] }));
  afterEach(() => mock.timers.reset());

  const object = (name: string, resourceVersion: string): KubeObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "ns", resourceVersion },
  });

  function target(ready: () => boolean): { target: ResyncTarget; store: ObjectStore; heard: string[] } {
    const store = new ObjectStore();
    const heard: string[] = [];
    return {
      store,
      heard,
      target: {
        store,
        ready,
        resync: (o) => heard.push(`${o.metadata.name}@${o.metadata.resourceVersion ?? ""}`),
      },
    };
  }

  it("re-delivers a slice per tick, the version cached at the tick, and skips an object deleted since", () => {
    const { store, heard, target: t } = target(() => true);
    for (const name of ["a", "b", "c", "d"]) store.upsert(object(name, "1"));
    const stop = new AbortController();
    const timer = startResync(t, 4_000, stop.signal, 2);
    try {
      mock.timers.tick(2_000);
      assert.deepEqual(heard, [], "nothing before a period has passed");
      mock.timers.tick(2_000);
      assert.deepEqual(heard, ["a@1", "b@1"]);
      store.upsert(object("c", "2"));
      store.remove("ns/d");
      mock.timers.tick(2_000);
      assert.deepEqual(heard, ["a@1", "b@1", "c@2"]);
    } finally {
      clearInterval(timer);
    }
  });

  it("re-delivers nothing before the cache is synced, nor after the signal aborts", () => {
    let synced = false;
    const { store, heard, target: t } = target(() => synced);
    store.upsert(object("a", "1"));
    const stop = new AbortController();
    const timer = startResync(t, 1_000, stop.signal, 1);
    try {
      mock.timers.tick(3_000);
      assert.deepEqual(heard, []);
      synced = true;
      mock.timers.tick(1_000);
      assert.deepEqual(heard, ["a@1"]);
      stop.abort();
      mock.timers.tick(3_000);
      assert.deepEqual(heard, ["a@1"]);
    } finally {
      clearInterval(timer);
    }
  });

  it("is off for a period of 0", () => {
    const { target: t } = target(() => true);
    assert.equal(startResync(t, 0, new AbortController().signal), undefined);
  });
});
