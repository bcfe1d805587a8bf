import { isGone, isNotFound, ApiError } from "../kube/api-error.js";
import { checkedKubeObject, objectKey, type KubeObject } from "../kube/object.js";
import type { ResourceType } from "../kube/resource.js";
import { Backoff, delay } from "../backoff.js";
import { AheadOfWatch } from "./ahead-of-watch.js";
import { DEFAULT_RESYNC_MS, startResync } from "./resync.js";
import { ObjectStore } from "./store.js";
import { WritesAhead } from "./writes-ahead.js";
import type { InformerEvent, InformerOptions } from "./types.js";
import { Bookmark, ShortWatchError, WatchErrorStatus } from "./watch-wire.js";

export type { InformerEvent, InformerMetrics, InformerOptions } from "./types.js";

const GONE = Symbol("gone");
type WatchOutcome = typeof GONE | "progressed" | "short";

/** A watch that ends within this long with no event at all is treated as a failure and backed off. */
const SHORT_WATCH_MS = 1_000;

/**
 * A list-then-watch cache of one resource that never stops on its own: it restarts after any error with
 * jittered backoff, relists on 410 Gone, rebuilds a watch that went silent, resyncs periodically (spread over the
 * period, ADR 0068), and tells listeners what changed so they can enqueue keys.
 */
export class Informer {
  readonly store = new ObjectStore();
  private readonly listeners: ((event: InformerEvent) => void)[] = [];
  private synced = false;
  /** The resourceVersion of the last event applied to the cache; a rewatch continues from here. */
  private lastSyncResourceVersion: string | undefined;
  private readonly syncWaiters: (() => void)[] = [];
  /** Own writes made from a version the cache has not reached yet (see {@link applyOwnWrite}). */
  private readonly held = new WritesAhead();
  private readonly name: string;
  /** Whether the last list of an optional resource found it not served (logged once until it is). */
  private notServed = false;
  /** This process's writes the cache holds before the watch delivered them. */
  private readonly ownAhead = new AheadOfWatch();

  constructor(private readonly opts: InformerOptions) {
    this.name =
      opts.resource.group === "" ? opts.resource.plural : `${opts.resource.plural}.${opts.resource.group}`;
  }

  /** The resource this informer caches. */
  get resource(): ResourceType {
    return this.opts.resource;
  }

  /** Registers a listener; it must not throw and must not block (enqueue keys only). */
  subscribe(listener: (event: InformerEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Whether the first full list has been stored. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first full list has been stored, or when the signal aborts. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced || signal?.aborted === true) return Promise.resolve();
    return new Promise((resolve) => {
      this.syncWaiters.push(resolve);
      signal?.addEventListener("abort", () => resolve(), { once: true });
    });
  }

  /**
   * Takes in this process's own accepted replace of a cached object before its watch event arrives, so the next
   * reconcile reads what it just wrote rather than the version it replaced, and does not write from that stale
   * resourceVersion only to be refused with 409 (issue 12). Applied only while the cache still holds exactly the
   * version the write replaced: then nobody else wrote in between (the write would have been refused), and the
   * watch will deliver this same version next. Listeners hear it as the update they would have heard. Until the
   * watch has caught up, its events for the older versions of this process's own writes are skipped: storing them
   * would move the cache back and wake controllers with a copy older than their last write (see AheadOfWatch). A
   * cache that has not reached the replaced version yet (the write was made from a live read) holds the write until
   * it does, then takes it in at once (`WritesAhead`, ADR 0037).
   */
  applyOwnWrite(replacedResourceVersion: string, stored: KubeObject): void {
    const key = objectKey(stored);
    const cached = this.store.get(key);
    const { resourceVersion } = stored.metadata;
    if (resourceVersion === replacedResourceVersion) return;
    if (cached?.metadata.resourceVersion === replacedResourceVersion) {
      // The watch delivers this version later, after any older own write still on its way: those are behind.
      if (resourceVersion !== undefined) this.ownAhead.wrote(key, resourceVersion);
      this.store_(this.cached(stored));
      return;
    }
    // The cache lags the version the write was made from (a live read): held until the watch reaches it.
    if (cached?.metadata.resourceVersion !== resourceVersion) {
      this.held.hold(key, replacedResourceVersion, this.cached(stored));
    }
  }

  /** Runs until the signal aborts. It resolves then, and never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    const [minBackoff, maxBackoff] = this.opts.backoffMs ?? [800, 30_000];
    const backoff = new Backoff(minBackoff, maxBackoff);
    const resync = startResync(
      {
        store: this.store,
        ready: () => this.synced,
        resync: (object) => this.emit({ type: "resync", object }),
      },
      this.opts.resyncMs ?? DEFAULT_RESYNC_MS,
      signal,
    );
    this.lastSyncResourceVersion = undefined;
    try {
      while (!signal.aborted) {
        try {
          if (this.lastSyncResourceVersion === undefined) {
            this.lastSyncResourceVersion = await this.listAll(signal);
            backoff.reset();
          }
          const outcome = await this.watchOnce(this.lastSyncResourceVersion, signal);
          if (outcome === GONE) {
            this.opts.metrics?.relisted(this.name, "Gone");
            this.opts.log.info({ resource: this.name }, "Relisted after the watch's resourceVersion expired");
            this.lastSyncResourceVersion = undefined;
          } else if (outcome === "progressed" || signal.aborted) {
            backoff.reset();
          } else {
            await this.pause(backoff, signal, new ShortWatchError(`the watch of ${this.name} ended at once`));
          }
        } catch (err) {
          if (signal.aborted) break;
          if (isGone(err)) {
            this.opts.metrics?.relisted(this.name, "Gone");
            this.lastSyncResourceVersion = undefined;
            continue;
          }
          if (this.opts.optional === true && isNotFound(err) && this.lastSyncResourceVersion === undefined) {
            await this.awaitServed(backoff, signal);
            continue;
          }
          await this.pause(backoff, signal, err);
        }
      }
    } finally {
      clearInterval(resync);
    }
  }

  /**
   * An optional resource the API server does not serve: counts as synced and empty (forgetting what it held, as
   * the resource is gone), says so once, and waits out the next backoff step before listing again.
   */
  private async awaitServed(backoff: Backoff, signal: AbortSignal): Promise<void> {
    if (!this.notServed) {
      this.notServed = true;
      this.opts.log.info(
        { resource: this.name },
        "The API server does not serve this resource (its CRD is not installed); treating it as empty",
      );
    }
    for (const key of this.store.keys()) {
      const old = this.store.remove(key);
      if (old !== undefined) this.emit({ type: "deleted", object: old });
    }
    this.markSynced();
    await delay(backoff.next(), signal);
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    for (const wake of this.syncWaiters.splice(0)) wake();
  }

  /** Counts and logs a failed list or watch, then waits out the next backoff step. */
  private async pause(backoff: Backoff, signal: AbortSignal, err: unknown): Promise<void> {
    const wait = backoff.next();
    const reason = err instanceof ApiError ? err.reason : err instanceof Error ? err.name : "Unknown";
    this.opts.metrics?.restarted(this.name, reason);
    this.opts.log.warn(
      { resource: this.name, reason, err: (err as Error).message, retryInMs: Math.round(wait) },
      "Restarting the list/watch after an error",
    );
    await delay(wait, signal);
  }

  private async listAll(signal: AbortSignal): Promise<string> {
    const seen = new Set<string>();
    this.ownAhead.forget();
    let cont: string | undefined;
    let resourceVersion: string;
    do {
      if (signal.aborted) throw new Error("aborted");
      const page = await this.opts.client.list(this.opts.resource, {
        namespace: this.opts.namespace,
        fieldSelector: this.opts.fieldSelector,
        limit: this.opts.listPageSize ?? 500,
        continue: cont,
      });
      for (const object of page.items) {
        seen.add(objectKey(object));
        this.store_(this.cached(object));
      }
      cont = page.continue;
      resourceVersion = page.resourceVersion;
    } while (cont !== undefined);
    for (const key of this.store.keys()) {
      if (seen.has(key)) continue;
      const old = this.store.remove(key);
      if (old !== undefined) this.emit({ type: "deleted", object: old });
    }
    this.notServed = false;
    this.markSynced();
    return resourceVersion;
  }

  /** The object as the cache keeps it: through the transform, when there is one. */
  private cached(object: KubeObject): KubeObject {
    return this.opts.transform === undefined ? object : this.opts.transform(object);
  }

  private store_(incoming: KubeObject): void {
    const key = objectKey(incoming);
    const object = this.held.resolve(key, incoming);
    // A held own write taken in ahead of its watch event, as applyOwnWrite takes one in.
    if (object !== incoming && object.metadata.resourceVersion !== undefined) {
      this.ownAhead.wrote(key, object.metadata.resourceVersion);
    }
    const old = this.store.upsert(object);
    if (old === undefined) this.emit({ type: "added", object });
    else if (old.metadata.resourceVersion !== object.metadata.resourceVersion) {
      this.emit({ type: "updated", object, old });
    }
  }

  /**
   * Watches from a resourceVersion until the watch ends. Every applied event advances
   * `lastSyncResourceVersion`, so whatever ends the watch, the next one continues where this one stopped.
   * Returns GONE to relist, "progressed" when events arrived or the watch ran its course (or the watchdog
   * rebuilt it), and "short" when it ended at once with nothing, which the caller backs off from.
   */
  private async watchOnce(resourceVersion: string, signal: AbortSignal): Promise<WatchOutcome> {
    const [lo, hi] = this.opts.watchTimeoutSeconds ?? [300, 600];
    const stallMs = this.opts.stallTimeoutMs ?? 90_000;
    const startedAt = Date.now();
    const watch = await this.opts.client.watch(this.opts.resource, {
      namespace: this.opts.namespace,
      fieldSelector: this.opts.fieldSelector,
      resourceVersion,
      timeoutSeconds: Math.round(lo + Math.random() * (hi - lo)),
      signal,
      connectTimeoutMs: stallMs,
    });
    let stalled = false;
    let events = 0;
    let watchdog = setTimeout(onStall, stallMs);
    function onStall(): void {
      stalled = true;
      watch.close();
    }
    const onAbort = (): void => watch.close();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      for await (const event of watch.events) {
        events++;
        clearTimeout(watchdog);
        watchdog = setTimeout(onStall, stallMs);
        if (event.type === "ERROR") {
          const status = WatchErrorStatus.safeParse(event.object);
          const code = status.success ? (status.data.code ?? 500) : 500;
          if (code === 410) return GONE;
          const reason = status.success ? (status.data.reason ?? "WatchError") : "WatchError";
          throw new ApiError(code, reason, status.success ? (status.data.message ?? "") : "watch error");
        }
        if (event.type === "BOOKMARK") {
          const bookmark = Bookmark.safeParse(event.object);
          if (bookmark.success) this.lastSyncResourceVersion = bookmark.data.metadata.resourceVersion;
          this.opts.metrics?.bookmarked(this.name);
          continue;
        }
        const object = this.cached(checkedKubeObject(event.object));
        const key = objectKey(object);
        if (event.type === "DELETED") {
          this.ownAhead.forget(key);
          this.held.forget(key);
          const old = this.store.remove(key);
          this.emit({ type: "deleted", object: old ?? object });
        } else if (this.ownAhead.watched(key, object.metadata.resourceVersion) !== "behind") {
          this.store_(object);
        }
        this.lastSyncResourceVersion = object.metadata.resourceVersion ?? this.lastSyncResourceVersion;
      }
    } catch (err) {
      if (!stalled && !signal.aborted) throw err;
    } finally {
      clearTimeout(watchdog);
      signal.removeEventListener("abort", onAbort);
      watch.close();
    }
    if (stalled) {
      this.opts.metrics?.watchStalled(this.name);
      this.opts.log.info(
        { resource: this.name, resourceVersion: this.lastSyncResourceVersion },
        "Rebuilt a watch that went silent",
      );
      return "progressed";
    }
    return events === 0 && Date.now() - startedAt < SHORT_WATCH_MS ? "short" : "progressed";
  }

  private emit(event: InformerEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.opts.log.error(
          { resource: this.name, err: (err as Error).message },
          "An informer listener threw",
        );
      }
    }
  }
}
