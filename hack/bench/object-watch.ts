import type { KubeClient } from "../../src/runtime/kube/client.js";
import { isGone } from "../../src/runtime/kube/api-error.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import type { ResourceType } from "../../src/runtime/kube/resource.js";

/** How long one watch request stays open server-side before it is resumed from its last resourceVersion. */
const WATCH_SECONDS = 300;
/** The page size of a relist: 10,000 objects come in pages, as an informer lists them. */
const PAGE = 500;
/** The pause before a watch that broke is resumed. */
const RETRY_MS = 500;

/**
 * Lists one resource type in one namespace and watches it from there, resuming after a timeout, relisting after
 * 410 Gone or any other break, and calls `seen` with every object it lists and every ADDED or MODIFIED object
 * it is told of. The load generator's own informer: one watch per type, never a poll per object.
 */
export class ObjectWatch {
  private readonly stopped = new AbortController();
  private closeStream: (() => void) | undefined;
  private running: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  private constructor(
    private readonly client: KubeClient,
    private readonly rt: ResourceType,
    private readonly namespace: string,
    private readonly seen: (obj: KubeObject) => void,
  ) {}

  /** Starts listing and watching; resolves once the first list has been handed to `seen`. */
  static async start(
    client: KubeClient,
    rt: ResourceType,
    namespace: string,
    seen: (obj: KubeObject) => void,
  ): Promise<ObjectWatch> {
    const watch = new ObjectWatch(client, rt, namespace, seen);
    const resourceVersion = await watch.relist();
    watch.running = watch.loop(resourceVersion);
    return watch;
  }

  /** The error that ended the watch for good, if one did (the loop retries everything else). */
  get error(): Error | undefined {
    return this.failure;
  }

  private async relist(): Promise<string> {
    let continueToken: string | undefined;
    for (;;) {
      const page = await this.client.list(this.rt, {
        namespace: this.namespace,
        limit: PAGE,
        continue: continueToken,
      });
      for (const item of page.items) this.seen(item);
      continueToken = page.continue;
      if (continueToken === undefined) return page.resourceVersion;
    }
  }

  private async loop(from: string): Promise<void> {
    let resourceVersion = from;
    while (!this.stopped.signal.aborted) {
      try {
        resourceVersion = await this.watchFrom(resourceVersion);
      } catch (err) {
        if (this.stopped.signal.aborted) return;
        if (!isGone(err) && !(err instanceof WatchExpiredError))
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        try {
          resourceVersion = await this.relist();
        } catch (relistError) {
          if (this.stopped.signal.aborted) return;
          this.failure = relistError as Error;
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
        }
      }
    }
  }

  /** One watch request; returns the last resourceVersion it saw when the server ends it. */
  private async watchFrom(resourceVersion: string): Promise<string> {
    const handle = await this.client.watch(this.rt, {
      namespace: this.namespace,
      resourceVersion,
      timeoutSeconds: WATCH_SECONDS,
      signal: this.stopped.signal,
    });
    this.closeStream = () => handle.close();
    let last = resourceVersion;
    for await (const event of handle.events) {
      const obj = event.object as KubeObject;
      if (event.type === "ERROR") throw new WatchExpiredError(JSON.stringify(event.object));
      if (obj.metadata?.resourceVersion !== undefined) last = obj.metadata.resourceVersion;
      if (event.type === "ADDED" || event.type === "MODIFIED") this.seen(obj);
    }
    return last;
  }

  /** Ends the watch and waits for its loop. Safe to call twice. */
  async close(): Promise<void> {
    this.stopped.abort();
    this.closeStream?.();
    await this.running;
  }
}

/** An ERROR event in a watch stream (410 Gone as a Status object, usually): the watch relists. */
export class WatchExpiredError extends Error {
  override readonly name = "WatchExpiredError";
}
