import { randomInt } from "node:crypto";

/**
 * A seeded pseudo-random source for fault-injection tests, so a failing run can be replayed from the seed it
 * printed. `fork` derives an independent stream per concern, so the kill schedule stays the same when the
 * number of approvals or checks drawn before it differs between runs.
 */
export interface SeededRandom {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** A float in [min, max). */
  between(min: number, max: number): number;
  /** A whole number in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** An independent stream for one concern, derived from this seed and `label`. */
  fork(label: string): SeededRandom;
}

/** The seed named by `fromEnv` (a whole number) when set, else a fresh one; a bad value fails loudly. */
export function crashSeed(fromEnv: string | undefined): number {
  if (fromEnv === undefined || fromEnv === "") return randomInt(1, 2 ** 31);
  const seed = Number(fromEnv);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new Error(`The crash seed must be a whole number below 2^32, not "${fromEnv}".`);
  }
  return seed;
}

/** mulberry32: small, fast and good enough to spread kill points; not for anything cryptographic. */
export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: SeededRandom = {
    seed,
    next,
    between: (min, max) => min + next() * (max - min),
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error("Cannot pick from an empty list.");
      return items[Math.floor(next() * items.length)] as T;
    },
    fork: (label) => {
      let hash = seed >>> 0;
      for (const ch of label) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
      return seededRandom(hash);
    },
  };
  return random;
}
