/** What a watch event for an object means for a cache holding this process's own writes ahead of the watch. */
export type WatchedVersion = "behind" | "caught-up" | "new";

/**
 * The versions of objects this process wrote and took into the cache before the watch delivered them (ADR 0036),
 * per key, oldest first. The watch delivers each of them later, in order: until it has delivered the newest one, an
 * event naming an older one of them is behind the cache and must not replace it (nor wake a controller with a copy
 * older than the one it just wrote from: its next write would be refused with 409). A version that is not among them
 * is someone else's later write: each own write named the version it replaced, so nothing else fits in between.
 */
export class AheadOfWatch {
  private readonly pending = new Map<string, string[]>();

  /** Records that the cache now holds `resourceVersion` of `key`, written by this process. */
  wrote(key: string, resourceVersion: string): void {
    const versions = this.pending.get(key);
    if (versions === undefined) this.pending.set(key, [resourceVersion]);
    else versions.push(resourceVersion);
  }

  /**
   * Classifies a watch event's version of `key`: `behind` (an own write older than the cache's; skip it),
   * `caught-up` (the newest own write: the watch holds what the cache holds now) or `new` (store it).
   */
  watched(key: string, resourceVersion: string | undefined): WatchedVersion {
    const versions = this.pending.get(key);
    if (versions === undefined) return "new";
    const index = resourceVersion === undefined ? -1 : versions.indexOf(resourceVersion);
    if (index === -1) {
      this.pending.delete(key);
      return "new";
    }
    if (index === versions.length - 1) {
      this.pending.delete(key);
      return "caught-up";
    }
    versions.splice(0, index + 1);
    return "behind";
  }

  /** Forgets `key` (deleted), or every key (relisted: the list is the truth from then on). */
  forget(key?: string): void {
    if (key === undefined) this.pending.clear();
    else this.pending.delete(key);
  }

  /** How many objects the cache holds ahead of the watch (for tests). */
  get size(): number {
    return this.pending.size;
  }
}
