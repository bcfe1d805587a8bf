import type { KubeObject } from "../kube/object.js";
import type { ObjectStore } from "./store.js";

/** The period of an informer's resync when none is given: an hour (ADR 0068). */
export const DEFAULT_RESYNC_MS = 60 * 60_000;

/** The shortest time between two slices of a resync round: a round of a period shorter than this is one burst. */
export const RESYNC_MIN_SLICE_MS = 1_000;

/** The most slices a round is cut into: ten minutes in slices of a second, an hour in slices of six seconds. */
export const RESYNC_MAX_SLICES = 600;

/** How many slices a resync round of `periodMs` is cut into: at least a second apart, at most 600, at least 1. */
export function resyncSlices(periodMs: number): number {
  return Math.max(1, Math.min(RESYNC_MAX_SLICES, Math.floor(periodMs / RESYNC_MIN_SLICE_MS)));
}

/**
 * Which cached keys a periodic resync re-delivers at each tick (a tick is the period over the slices). A round
 * takes the keys cached when it starts and hands them out in equal consecutive slices, one per tick, so every
 * object cached at the start of a round is re-delivered exactly once in it, and a round costs its slice's share
 * per tick rather than all of it at once (issue 12, ADR 0068). The first round starts one period after the first
 * tick is asked for, as a burst round did. Pure: it keeps a cursor and never reads a clock.
 */
export class ResyncSchedule {
  private round: readonly string[] = [];
  /** The slice of the round the next tick hands out; negative while the first period runs. */
  private slice: number;

  constructor(readonly slices: number) {
    if (!Number.isInteger(slices) || slices < 1) {
      throw new RangeError(`a resync round needs a whole number of slices >= 1, got ${slices}`);
    }
    this.slice = 1 - slices;
  }

  /** The keys due at this tick; `keys` is asked for the cached keys only when a round starts. */
  due(keys: () => readonly string[]): readonly string[] {
    if (this.slice < 0) {
      this.slice++;
      return [];
    }
    if (this.slice === 0) this.round = keys();
    const n = this.round.length;
    const from = Math.floor((this.slice * n) / this.slices);
    const to = Math.floor(((this.slice + 1) * n) / this.slices);
    const due = this.round.slice(from, to);
    this.slice++;
    if (this.slice === this.slices) {
      this.slice = 0;
      this.round = [];
    }
    return due;
  }
}

/** What {@link startResync} re-delivers from, and to whom. */
export interface ResyncTarget {
  store: ObjectStore;
  /** Whether the cache holds a full list yet: ticks before it re-deliver nothing and do not advance the round. */
  ready(): boolean;
  /** Hands one cached object to the listeners as a `resync` event. */
  resync(object: KubeObject): void;
}

/**
 * Starts the periodic resync of a cache: every `periodMs`, every cached object is re-delivered once, spread over
 * the period in {@link resyncSlices} slices (a slice at most every {@link RESYNC_MIN_SLICE_MS}). An object deleted
 * since its round started is skipped, and one re-delivered is the version cached at its tick. Returns the timer
 * to clear when the informer stops; undefined when the period is 0 (off).
 */
export function startResync(
  target: ResyncTarget,
  periodMs: number,
  signal: AbortSignal,
  slices: number = resyncSlices(periodMs),
): NodeJS.Timeout | undefined {
  if (periodMs <= 0) return undefined;
  const schedule = new ResyncSchedule(slices);
  const timer = setInterval(
    () => {
      if (signal.aborted || !target.ready()) return;
      for (const key of schedule.due(() => target.store.keys())) {
        const object = target.store.get(key);
        if (object !== undefined) target.resync(object);
      }
    },
    Math.max(1, Math.round(periodMs / slices)),
  );
  timer.unref();
  return timer;
}
