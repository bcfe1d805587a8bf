import type { KubeObject } from "../kube/object.js";

/** How long an own write waits for its cache to reach the version it replaced; later it is forgotten. */
const HOLD_MS = 60_000;
/** The most own writes held at once (the oldest go first): a bound, never reached by one process's writes. */
const MAX_HELD = 1_000;

interface Held {
  /** The resourceVersion the write replaced (its precondition). */
  replaced: string;
  /** The object as the API server stored it, as the cache keeps it. */
  stored: KubeObject;
  at: number;
}

/**
 * This process's own accepted writes whose cache had not reached the version they replaced when they were accepted
 * (a watch lagging the live read the write was made from). The write's precondition proves that the version right
 * after `replaced` is this write: so when the cache reaches `replaced`, it can hold the write at once instead of
 * waiting for its watch event (ADR 0037). resourceVersions are compared for equality only, never ordered.
 */
export class WritesAhead {
  private readonly held = new Map<string, Held>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Holds `stored`, which replaced `replaced`, until the cache of `key` reaches `replaced`. */
  hold(key: string, replaced: string, stored: KubeObject): void {
    this.held.delete(key);
    this.held.set(key, { replaced, stored, at: this.now() });
    while (this.held.size > MAX_HELD) {
      const oldest = this.held.keys().next().value;
      if (oldest === undefined) break;
      this.held.delete(oldest);
    }
  }

  /**
   * What the cache should keep for `incoming` at `key`: the held write when `incoming` is the version it replaced,
   * else `incoming`. A held write is forgotten once used, once its own version arrives, or once it is too old.
   */
  resolve(key: string, incoming: KubeObject): KubeObject {
    const entry = this.held.get(key);
    if (entry === undefined) return incoming;
    const version = incoming.metadata.resourceVersion;
    if (this.now() - entry.at > HOLD_MS || version === entry.stored.metadata.resourceVersion) {
      this.held.delete(key);
      return incoming;
    }
    if (version !== entry.replaced) return incoming;
    this.held.delete(key);
    return entry.stored;
  }

  /** Forgets what is held for a deleted object. */
  forget(key: string): void {
    this.held.delete(key);
  }

  /** How many writes are held (for tests). */
  get size(): number {
    return this.held.size;
  }
}
