// Argo CD's application controller, played for the benchmark at the scale of 10,000 Applications: one watch on the
// Applications of a namespace (not a poll per object), and for each sync operation Stagegate requested, the same
// completion tests/support/gitops-driver.ts `argoSyncs` writes (operation cleared, operationState Succeeded with
// its syncResult, Synced at the revision, Healthy, a history entry).
import { deliveryResources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { argoSyncs, pendingStagegateSync } from "../../tests/support/gitops-driver.js";
import { ObjectWatch } from "./object-watch.js";

/** When the stand-in saw a sync request and when it completed it (performance.now() ms). */
export interface SyncTimes {
  readonly requestedSeenAt: number;
  completedAt?: number;
}

/**
 * Completes Stagegate's sync requests as Argo CD would, `concurrency` at a time, each Application one at a time.
 * Notes, per Application, when the request was first seen on the watch (the approval benchmark times against it).
 */
export class ArgoStandIn {
  private readonly pending = new Map<string, string>();
  private readonly busy = new Set<string>();
  private readonly ready: string[] = [];
  /** Applications seen pending again while their sync was being completed: re-read before acting on them. */
  private readonly recheck = new Set<string>();
  private readonly times = new Map<string, SyncTimes>();
  private workers = 0;
  private watch: ObjectWatch | undefined;
  private failure: Error | undefined;
  private completed = 0;

  private constructor(
    private readonly client: KubeClient,
    private readonly namespace: string,
    private readonly concurrency: number,
  ) {}

  /** Starts watching the Applications of `namespace` and completing the syncs requested there. */
  static async start(client: KubeClient, namespace: string, concurrency = 8): Promise<ArgoStandIn> {
    const standIn = new ArgoStandIn(client, namespace, concurrency);
    standIn.watch = await ObjectWatch.start(client, deliveryResources.argoCDApplication, namespace, (app) =>
      standIn.seen(app),
    );
    return standIn;
  }

  /** How many syncs it has completed. */
  get syncsCompleted(): number {
    return this.completed;
  }

  /** The first error a completion failed with (after the driver's own conflict retries), if any. */
  get error(): Error | undefined {
    return this.failure ?? this.watch?.error;
  }

  /** When the sync of `application` was requested (first seen) and completed, if it was. */
  syncTimes(application: string): SyncTimes | undefined {
    return this.times.get(application);
  }

  private seen(app: KubeObject): void {
    const revision = pendingStagegateSync(app);
    if (revision === undefined) return;
    const name = app.metadata.name;
    if (!this.times.has(name)) this.times.set(name, { requestedSeenAt: performance.now() });
    if (this.pending.get(name) === revision || this.busy.has(name)) {
      this.pending.set(name, revision);
      return;
    }
    this.pending.set(name, revision);
    this.ready.push(name);
    this.drain();
  }

  private drain(): void {
    while (this.workers < this.concurrency && this.ready.length > 0) {
      const name = this.ready.shift() ?? "";
      const revision = this.pending.get(name);
      if (revision === undefined || this.busy.has(name)) continue;
      this.pending.delete(name);
      this.busy.add(name);
      this.workers++;
      void this.complete(name, revision).finally(() => {
        this.workers--;
        this.busy.delete(name);
        if (this.pending.has(name)) {
          this.recheck.add(name);
          this.ready.push(name);
        }
        this.drain();
      });
    }
  }

  private async complete(name: string, revision: string): Promise<void> {
    try {
      // An event from before the completion just written may still say "pending": only a fresh read can tell.
      if (this.recheck.delete(name)) {
        const fresh = await this.client.get(deliveryResources.argoCDApplication, name, this.namespace);
        if (pendingStagegateSync(fresh) !== revision) return;
      }
      await argoSyncs(this.client, { name, namespace: this.namespace }, { revision });
      this.completed++;
      const times = this.times.get(name);
      if (times !== undefined) times.completedAt = performance.now();
    } catch (err) {
      this.failure ??= err as Error;
    }
  }

  /** Stops watching; completions in progress finish. */
  async close(): Promise<void> {
    await this.watch?.close();
  }
}
