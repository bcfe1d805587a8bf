import { z } from "zod";
import { isGone, ApiError } from "../kube/api-error.js";
import type { KubeClient } from "../kube/client.js";
import { KubeObject, objectKey } from "../kube/object.js";
import type { ResourceType } from "../kube/resource.js";
import { Backoff, delay } from "../backoff.js";
import type { Logger } from "../logging.js";
import { ObjectStore } from "./store.js";

/** What changed in the cache. Listeners only enqueue keys; they never do work. */
export interface InformerEvent {
  type: "added" | "updated" | "deleted" | "resync";
  object: KubeObject;
  old?: KubeObject;
}

/** Counters an informer reports, so a stalled or flapping watch shows on a dashboard. */
export interface InformerMetrics {
  restarted(resource: string, reason: string): void;
  relisted(resource: string, reason: string): void;
  watchStalled(resource: string): void;
}

/** Tunables of an informer; defaults follow client-go. */
export interface InformerOptions {
  client: KubeClient;
  resource: ResourceType;
  namespace?: string;
  log: Logger;
  metrics?: InformerMetrics;
  /** Re-deliver every cached object this often (0 disables). Default 10 minutes. */
  resyncMs?: number;
  /** Rebuild a watch that delivered nothing (not even a bookmark) for this long. Default 90 s. */
  stallTimeoutMs?: number;
  /** Server-side watch timeout, randomised in this range of seconds. Default [300, 600]. */
  watchTimeoutSeconds?: [number, number];
  /** Backoff after errors. Default 800 ms to 30 s. */
  backoffMs?: [number, number];
  listPageSize?: number;
}

const GONE = Symbol("gone");

const WatchErrorStatus = z.looseObject({ reason: z.string().optional(), message: z.string().optional() });

/**
 * A list-then-watch cache of one resource that never stops on its own: it restarts after any error with
 * jittered backoff, relists on 410 Gone, rebuilds a watch that went silent, resyncs periodically, and tells
 * listeners what changed so they can enqueue keys.
 */
export class Informer {
  readonly store = new ObjectStore();
  private readonly listeners: ((event: InformerEvent) => void)[] = [];
  private synced = false;
  private readonly syncWaiters: (() => void)[] = [];
  private readonly name: string;

  constructor(private readonly opts: InformerOptions) {
    this.name =
      opts.resource.group === "" ? opts.resource.plural : `${opts.resource.plural}.${opts.resource.group}`;
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

  /** Runs until the signal aborts. It resolves then, and never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    const [minBackoff, maxBackoff] = this.opts.backoffMs ?? [800, 30_000];
    const backoff = new Backoff(minBackoff, maxBackoff);
    const resync = this.startResync(signal);
    let resourceVersion: string | undefined;
    try {
      while (!signal.aborted) {
        try {
          if (resourceVersion === undefined) {
            resourceVersion = await this.listAll(signal);
            backoff.reset();
          }
          const next = await this.watchOnce(resourceVersion, signal);
          if (next === GONE) {
            this.opts.metrics?.relisted(this.name, "Gone");
            this.opts.log.info({ resource: this.name }, "Relisted after the watch's resourceVersion expired");
            resourceVersion = undefined;
          } else {
            resourceVersion = next;
            backoff.reset();
          }
        } catch (err) {
          if (signal.aborted) break;
          if (isGone(err)) {
            this.opts.metrics?.relisted(this.name, "Gone");
            resourceVersion = undefined;
            continue;
          }
          const wait = backoff.next();
          this.opts.metrics?.restarted(this.name, err instanceof ApiError ? err.reason : "Transport");
          this.opts.log.warn(
            { resource: this.name, err: (err as Error).message, retryInMs: Math.round(wait) },
            "Restarting the list/watch after an error",
          );
          await delay(wait, signal);
        }
      }
    } finally {
      clearInterval(resync);
    }
  }

  private startResync(signal: AbortSignal): NodeJS.Timeout | undefined {
    const every = this.opts.resyncMs ?? 10 * 60_000;
    if (every <= 0) return undefined;
    const timer = setInterval(() => {
      if (signal.aborted || !this.synced) return;
      for (const object of this.store.list()) this.emit({ type: "resync", object });
    }, every);
    timer.unref();
    return timer;
  }

  private async listAll(signal: AbortSignal): Promise<string> {
    const seen = new Set<string>();
    let cont: string | undefined;
    let resourceVersion: string;
    do {
      if (signal.aborted) throw new Error("aborted");
      const page = await this.opts.client.list(this.opts.resource, {
        namespace: this.opts.namespace,
        limit: this.opts.listPageSize ?? 500,
        continue: cont,
      });
      for (const object of page.items) {
        seen.add(objectKey(object));
        this.store_(object);
      }
      cont = page.continue;
      resourceVersion = page.resourceVersion;
    } while (cont !== undefined);
    for (const key of this.store.keys()) {
      if (seen.has(key)) continue;
      const old = this.store.remove(key);
      if (old !== undefined) this.emit({ type: "deleted", object: old });
    }
    if (!this.synced) {
      this.synced = true;
      for (const wake of this.syncWaiters.splice(0)) wake();
    }
    return resourceVersion;
  }

  private store_(object: KubeObject): void {
    const old = this.store.upsert(object);
    if (old === undefined) this.emit({ type: "added", object });
    else if (old.metadata.resourceVersion !== object.metadata.resourceVersion) {
      this.emit({ type: "updated", object, old });
    }
  }

  /** Watches from a resourceVersion until the watch ends; returns where to continue, or GONE to relist. */
  private async watchOnce(resourceVersion: string, signal: AbortSignal): Promise<string | typeof GONE> {
    const [lo, hi] = this.opts.watchTimeoutSeconds ?? [300, 600];
    const stallMs = this.opts.stallTimeoutMs ?? 90_000;
    const watch = await this.opts.client.watch(this.opts.resource, {
      namespace: this.opts.namespace,
      resourceVersion,
      timeoutSeconds: Math.round(lo + Math.random() * (hi - lo)),
      signal,
      connectTimeoutMs: stallMs,
    });
    let stalled = false;
    let watchdog = setTimeout(onStall, stallMs);
    function onStall(): void {
      stalled = true;
      watch.close();
    }
    const onAbort = (): void => watch.close();
    signal.addEventListener("abort", onAbort, { once: true });
    let rv = resourceVersion;
    try {
      for await (const event of watch.events) {
        clearTimeout(watchdog);
        watchdog = setTimeout(onStall, stallMs);
        if (event.type === "ERROR") {
          const code = typeof event.object.code === "number" ? event.object.code : 500;
          if (code === 410) return GONE;
          const status = WatchErrorStatus.safeParse(event.object);
          const reason = status.success ? (status.data.reason ?? "WatchError") : "WatchError";
          throw new ApiError(code, reason, status.success ? (status.data.message ?? "") : "watch error");
        }
        const object = KubeObject.parse(event.object);
        rv = object.metadata.resourceVersion ?? rv;
        if (event.type === "BOOKMARK") continue;
        if (event.type === "DELETED") {
          const old = this.store.remove(objectKey(object));
          this.emit({ type: "deleted", object: old ?? object });
        } else {
          this.store_(object);
        }
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
      this.opts.log.info({ resource: this.name, resourceVersion: rv }, "Rebuilt a watch that went silent");
    }
    return rv;
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
