import { leanKubeCredentials, type KubeCredentials } from "./kube-credentials.js";
import { z } from "zod";
import { KubeList, KubeObject, WatchEvent, checkedKubeObject } from "./object.js";
import { collectionPath, objectPath, type ResourceType } from "./resource.js";
import { KubeTransport, type KubeStream } from "./transport.js";

/** Options every call takes: a signal that abandons the request (for example when leadership is lost). */
export interface CallOptions {
  signal?: AbortSignal;
}

/** Options of a list call. */
export interface ListOptions extends CallOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  timeoutMs?: number;
}

/** Options of a watch call. */
export interface WatchOptions {
  namespace?: string;
  fieldSelector?: string | undefined;
  resourceVersion: string;
  timeoutSeconds: number;
  signal?: AbortSignal;
  connectTimeoutMs?: number;
}

/** A page of a list call. */
export interface ListPage {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
}

/** A watch in progress: its parsed events, and a way to end it. */
export interface WatchHandle {
  events: AsyncIterable<WatchEvent>;
  close(): void;
}

/**
 * Told of every replace (PUT) of this client the API server accepted, and every merge patch or server-side apply
 * carrying a resourceVersion precondition: the resourceVersion the write replaced and the object as stored. An informer uses it to hold its own writes before their watch events arrive.
 */
export type UpdateObserver = (rt: ResourceType, replacedResourceVersion: string, stored: KubeObject) => void;

/**
 * A small dynamic client for the Kubernetes API: every call names its resource type, responses are parsed at
 * the boundary, writes use server-side apply or carry a resourceVersion precondition, and errors are ApiErrors.
 */
export class KubeClient {
  private readonly updateObservers = new Set<UpdateObserver>();

  private constructor(readonly transport: KubeTransport) {}

  /**
   * Calls `observer` after every accepted replace, merge patch or apply that carried a resourceVersion; returns its
   * removal.
   */
  observeUpdates(observer: UpdateObserver): () => void {
    this.updateObservers.add(observer);
    return () => this.updateObservers.delete(observer);
  }

  /**
   * Connects with a kubeconfig (see loadKubeConfig: files merged as kubectl does, or in-cluster). Certificates,
   * tokens and token files are applied without loading client-node's generated API modules; exec plugins, auth
   * providers and proxies load client-node itself (ADR 0034).
   */
  static async connect(kubeconfig?: string): Promise<KubeClient> {
    const lean = leanKubeCredentials(kubeconfig);
    if (lean !== undefined) return KubeClient.fromKubeConfig(lean);
    const { loadKubeConfig } = await import("./kubeconfig.js");
    return KubeClient.fromKubeConfig(loadKubeConfig(kubeconfig));
  }

  /** A client for the current context of an already loaded kubeconfig (client-node's, or lean credentials). */
  static fromKubeConfig(kc: KubeCredentials): KubeClient {
    return new KubeClient(new KubeTransport(kc));
  }

  /** Reads one object. */
  async get(rt: ResourceType, name: string, namespace?: string, opts: CallOptions = {}): Promise<KubeObject> {
    return KubeObject.parse(
      await this.transport.request({
        method: "GET",
        path: objectPath(rt, name, namespace),
        signal: opts.signal,
      }),
    );
  }

  /** Reads one page of a collection. */
  async list(rt: ResourceType, opts: ListOptions = {}): Promise<ListPage> {
    const body = KubeList.parse(
      await this.transport.request({
        method: "GET",
        path: collectionPath(rt, opts.namespace),
        query: {
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          limit: opts.limit,
          continue: opts.continue,
          resourceVersion: opts.resourceVersion,
        },
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
      }),
    );
    return {
      items: body.items.map((item) => checkedKubeObject(item)),
      resourceVersion: body.metadata.resourceVersion ?? "",
      continue: body.metadata.continue === "" ? undefined : body.metadata.continue,
    };
  }

  /** Starts a watch from a resourceVersion, with bookmarks, ending server-side after timeoutSeconds. */
  async watch(rt: ResourceType, opts: WatchOptions): Promise<WatchHandle> {
    const stream: KubeStream = await this.transport.stream({
      method: "GET",
      path: collectionPath(rt, opts.namespace),
      query: {
        watch: true,
        fieldSelector: opts.fieldSelector,
        resourceVersion: opts.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: opts.timeoutSeconds,
      },
      signal: opts.signal,
      timeoutMs: opts.connectTimeoutMs,
    });
    async function* parse(): AsyncIterable<WatchEvent> {
      for await (const line of stream.lines) yield WatchEvent.parse(JSON.parse(line));
    }
    return { events: parse(), close: () => stream.close() };
  }

  /** Creates an object. */
  async create(
    rt: ResourceType,
    obj: Record<string, unknown>,
    namespace?: string,
    opts: CallOptions = {},
  ): Promise<KubeObject> {
    return KubeObject.parse(
      await this.transport.request({
        method: "POST",
        path: collectionPath(rt, namespace),
        body: obj,
        signal: opts.signal,
      }),
    );
  }

  /** Replaces an object or its status; the object's resourceVersion is the precondition (409 when stale). */
  async update(
    rt: ResourceType,
    obj: KubeObject,
    subresource?: "status",
    opts: CallOptions = {},
  ): Promise<KubeObject> {
    const path = objectPath(rt, obj.metadata.name, obj.metadata.namespace, subresource);
    const stored = KubeObject.parse(
      await this.transport.request({ method: "PUT", path, body: obj, signal: opts.signal }),
    );
    const replaced = obj.metadata.resourceVersion;
    if (replaced !== undefined) for (const observe of this.updateObservers) observe(rt, replaced, stored);
    return stored;
  }

  /** Server-side apply of the fields this manager owns. */
  async apply(
    rt: ResourceType,
    obj: KubeObject | Record<string, unknown>,
    opts: { fieldManager: string; force?: boolean; subresource?: "status" } & CallOptions,
  ): Promise<KubeObject> {
    const meta = z
      .object({ name: z.string(), namespace: z.string().optional(), resourceVersion: z.string().optional() })
      .parse(obj.metadata);
    const stored = KubeObject.parse(
      await this.transport.request({
        method: "PATCH",
        path: objectPath(rt, meta.name, meta.namespace, opts.subresource),
        query: { fieldManager: opts.fieldManager, force: opts.force === true ? true : undefined },
        contentType: "application/apply-patch+yaml",
        body: obj,
        signal: opts.signal,
      }),
    );
    // An apply naming a resourceVersion is refused (409) unless that is the version it changes, as a merge patch is.
    const replaced = meta.resourceVersion;
    if (replaced !== undefined) for (const observe of this.updateObservers) observe(rt, replaced, stored);
    return stored;
  }

  /** A JSON merge patch or JSON patch of an object or its status. */
  async patch(
    rt: ResourceType,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    opts: { type: "merge" | "json"; subresource?: "status"; fieldManager?: string } & CallOptions,
  ): Promise<KubeObject> {
    const stored = KubeObject.parse(
      await this.transport.request({
        method: "PATCH",
        path: objectPath(rt, name, namespace, opts.subresource),
        query: { fieldManager: opts.fieldManager },
        contentType: opts.type === "merge" ? "application/merge-patch+json" : "application/json-patch+json",
        body: patch,
        signal: opts.signal,
      }),
    );
    // A merge patch naming a resourceVersion is a replace of that version as far as a cache can tell: the API
    // server refuses it (409) unless that is the version it changes.
    const replaced = opts.type === "merge" ? preconditionOf(patch) : undefined;
    if (replaced !== undefined) for (const observe of this.updateObservers) observe(rt, replaced, stored);
    return stored;
  }

  /** Deletes an object. */
  async delete(rt: ResourceType, name: string, namespace?: string, opts: CallOptions = {}): Promise<void> {
    await this.transport.request({
      method: "DELETE",
      path: objectPath(rt, name, namespace),
      signal: opts.signal,
    });
  }

  /** Ends keep-alive connections. */
  close(): void {
    this.transport.close();
  }
}

/** The `metadata.resourceVersion` a merge patch carries as its precondition, if any. */
function preconditionOf(patch: unknown): string | undefined {
  if (typeof patch !== "object" || patch === null || !("metadata" in patch)) return undefined;
  const metadata = patch.metadata;
  if (typeof metadata !== "object" || metadata === null || !("resourceVersion" in metadata)) return undefined;
  return typeof metadata.resourceVersion === "string" ? metadata.resourceVersion : undefined;
}
