import type { KubeClient } from "../kube/client.js";
import type { KubeObject } from "../kube/object.js";
import type { ResourceType } from "../kube/resource.js";
import type { Logger } from "../logging.js";
import type { CacheTransform } from "./transform.js";

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
  bookmarked(resource: string): void;
}

/** Tunables of an informer; defaults follow client-go. */
export interface InformerOptions {
  client: KubeClient;
  resource: ResourceType;
  namespace?: string;
  /** Only objects this field selector matches, e.g. `metadata.name=x` (which RBAC `resourceNames` can allow). */
  fieldSelector?: string;
  log: Logger;
  metrics?: InformerMetrics;
  /**
   * Re-deliver every cached object once this often, spread over the period rather than all at once (0 disables).
   * Default an hour (`DEFAULT_RESYNC_MS`, ADR 0068).
   */
  resyncMs?: number;
  /** Rebuild a watch that delivered nothing (not even a bookmark) for this long. Default 90 s. */
  stallTimeoutMs?: number;
  /** Server-side watch timeout, randomised in this range of seconds. Default [300, 600]. */
  watchTimeoutSeconds?: [number, number];
  /** Backoff after errors. Default 800 ms to 30 s. */
  backoffMs?: [number, number];
  listPageSize?: number;
  /**
   * For resources of other tools whose CRDs may not be installed (Argo CD, Flux): a list answered 404 counts as
   * synced with nothing in it, so readiness does not wait for a tool the cluster does not run, and the list is
   * retried with the error backoff, so a CRD installed later is picked up. Default false.
   */
  optional?: boolean;
  /**
   * Applied to every listed or watched object before it is cached and handed to listeners (client-go's
   * `SetTransform`): it may drop only what no reader of this cache reads (see `trimmedForCache`). Default: none.
   */
  transform?: CacheTransform;
}
