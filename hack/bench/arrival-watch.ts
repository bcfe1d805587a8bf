import { performance } from "node:perf_hooks";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import type { ResourceType } from "../../src/runtime/kube/resource.js";
import { waitFor } from "../../tests/support/kube.js";

/** Raised when the watch the benchmark times against ends or reports an error before the run is over. */
export class ArrivalWatchError extends Error {
  override readonly name = "ArrivalWatchError";
}

/** How long a watch may stay open server-side: longer than any run, so it never has to be resumed. */
const WATCH_SECONDS = 3600;

/**
 * A watch on one resource type in one namespace that notes, on this process's monotonic clock
 * (`performance.now()`), when each object's ADDED event arrived. Started before the writes it times, so the
 * time from the start of a write to its ADDED event is the delay a watching controller would see.
 */
export class ArrivalWatch {
  private readonly arrivals = new Map<string, number>();
  private failure: Error | undefined;
  private closed = false;
  private consuming: Promise<void> = Promise.resolve();

  private constructor(private readonly endStream: () => void) {}

  /** Lists to find the current resourceVersion, then watches from it; `keyOf` names an object (undefined: ignore). */
  static async start(
    client: KubeClient,
    rt: ResourceType,
    namespace: string,
    keyOf: (obj: KubeObject) => string | undefined,
  ): Promise<ArrivalWatch> {
    const { resourceVersion } = await client.list(rt, { namespace, limit: 1 });
    const handle = await client.watch(rt, { namespace, resourceVersion, timeoutSeconds: WATCH_SECONDS });
    const watch = new ArrivalWatch(() => handle.close());
    watch.consuming = watch.consume(handle.events, rt, keyOf);
    return watch;
  }

  private async consume(
    events: AsyncIterable<{ type: string; object: Record<string, unknown> }>,
    rt: ResourceType,
    keyOf: (obj: KubeObject) => string | undefined,
  ): Promise<void> {
    try {
      for await (const event of events) {
        const at = performance.now();
        if (event.type === "ERROR") {
          this.failure = new ArrivalWatchError(
            `The ${rt.plural} watch failed: ${JSON.stringify(event.object)}`,
          );
          return;
        }
        if (event.type !== "ADDED") continue;
        const key = keyOf(event.object as KubeObject);
        if (key !== undefined && !this.arrivals.has(key)) this.arrivals.set(key, at);
      }
      if (!this.closed) this.failure = new ArrivalWatchError(`The ${rt.plural} watch ended early.`);
    } catch (err) {
      if (!this.closed) {
        this.failure = new ArrivalWatchError(`The ${rt.plural} watch broke: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
  }

  /** When the ADDED event of `key` arrived (performance.now() ms), if it has. */
  arrivedAt(key: string): number | undefined {
    return this.arrivals.get(key);
  }

  /** Waits, bounded, until every key has arrived; throws if the watch failed or the bound ran out. */
  async waitForAll(keys: readonly string[], timeoutMs = 60_000): Promise<void> {
    await waitFor(
      `${keys.length} ADDED events on the watch`,
      () => (this.failure !== undefined || keys.every((key) => this.arrivals.has(key)) ? true : undefined),
      { timeoutMs, intervalMs: 20 },
    );
    if (this.failure !== undefined) throw this.failure;
  }

  /** Ends the watch and waits for its reader to finish. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    this.endStream();
    await this.consuming;
  }
}
