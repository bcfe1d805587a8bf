import { randomUUID } from "node:crypto";
import type { Informer, InformerEvent } from "./informer/informer.js";
import { objectKey, splitKey } from "./kube/object.js";
import type { Logger } from "./logging.js";
import type { RuntimeMetrics } from "./metrics.js";
import { isTerminal, type TerminalError } from "./errors.js";
import { runWorkers, type Outcome } from "./worker-pool.js";
import { WorkQueue, type Priority } from "./workqueue/workqueue.js";

/** What a reconciler is asked to converge: one object, by key. */
export interface ReconcileRequest {
  key: string;
  namespace?: string;
  name: string;
  reconcileID: string;
  log: Logger;
  signal: AbortSignal;
}

/** What a reconcile asks for next: nothing, or another look after a delay (a due date, a poll). */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** Level-based reconcile: read the current state for the key and converge; throw to retry with backoff. */
export type Reconciler = (req: ReconcileRequest) => Promise<ReconcileResult | void>;

/** A secondary source of work: events on another informer mapped to the keys of primary objects. */
export interface Watch {
  informer: Informer;
  toKeys(event: InformerEvent): string[];
}

/**
 * The queue priority of a primary object's event: an object seen for the first time (created, or listed at
 * start-up) or merely re-delivered by a resync waits behind objects already in flight, whose own updates and
 * deletions come first (ADR 0036). Events of watched objects are `normal`, and their resyncs queue nothing: see
 * {@link watchPriority}.
 */
export function eventPriority(event: InformerEvent): Priority {
  return event.type === "added" || event.type === "resync" ? "low" : "normal";
}

/**
 * The queue priority of a watched object's event: `normal`, as it moves an object in flight (a sync finished, a
 * child changed). A periodic resync of a watched object queues nothing (undefined): it changes nothing, the
 * primary's own resync re-delivers every primary object once per period, spread over it, and each pass reads the
 * watched objects from the same caches. Mapped to their primaries, watched resyncs named every object again, those
 * not started too: as `normal` they moved all of them ahead of the objects in flight (issue 12, ADR 0063), and
 * even as `low` one Environment's or Namespace's resync named all its releases in one burst (ADR 0068).
 */
export function watchPriority(event: InformerEvent): Priority | undefined {
  return event.type === "resync" ? undefined : "normal";
}

/** The description of one controller. */
export interface ControllerSpec {
  name: string;
  primary: Informer;
  reconcile: Reconciler;
  workers?: number;
  watches?: Watch[];
  /**
   * Keys reconciled whenever the controller starts, cached or not: for an object the controller itself creates or
   * fills, whose absence is work too.
   */
  initialKeys?: readonly string[];
  /** Called once for a terminal error: mark the object Stalled and warn its owner. */
  onTerminalError?(req: ReconcileRequest, err: TerminalError): Promise<void>;
  /**
   * Primary events this controller does not queue, because another controller looks at the object first and
   * hands the key over when it is done (see `FirstLook`). Keys held back this way are still queued at start-up.
   */
  holdBack?(event: InformerEvent): boolean;
}

/**
 * Runs one reconciler over a keyed, rate-limited work queue fed by informers. It only does work while `run` is
 * active (on the leader); when it starts, every cached key is enqueued, so nothing depends on which events were
 * seen before.
 */
export class Controller {
  private queue: WorkQueue | undefined;

  constructor(
    private readonly spec: ControllerSpec,
    private readonly log: Logger,
    private readonly metrics: RuntimeMetrics,
  ) {
    spec.primary.subscribe((event) => {
      const queue = this.queue;
      // Asked only while running: a controller that is not running (a standby replica) holds nothing back.
      if (queue === undefined || spec.holdBack?.(event) === true) return;
      queue.add(objectKey(event.object), eventPriority(event));
    });
    for (const watch of spec.watches ?? []) {
      watch.informer.subscribe((event) => {
        const queue = this.queue;
        if (queue === undefined) return;
        const priority = watchPriority(event);
        if (priority === undefined) return;
        for (const key of watch.toKeys(event)) queue.add(key, priority);
      });
    }
  }

  /** The controller's name, used in logs and metric labels. */
  get name(): string {
    return this.spec.name;
  }

  /** Processes keys until the signal aborts; resolves after in-flight reconciles finish. */
  async run(signal: AbortSignal): Promise<void> {
    const workers = this.spec.workers ?? 1;
    const queue = new WorkQueue({ name: this.spec.name, metrics: this.metrics.workqueue });
    this.queue = queue;
    this.metrics.maxConcurrentReconciles.set({ controller: this.spec.name }, workers);
    this.metrics.activeWorkers.set({ controller: this.spec.name }, 0);
    for (const key of this.spec.primary.store.keys()) queue.add(key, "low");
    for (const key of this.spec.initialKeys ?? []) queue.add(key);
    this.log.info({ controller: this.spec.name, workers }, "Started workers");
    try {
      await runWorkers({ queue, workers, signal, handle: (key, s) => this.handle(key, s) });
    } finally {
      this.queue = undefined;
      this.log.info({ controller: this.spec.name }, "Stopped workers");
    }
  }

  /** Adds a key by hand (tests, or a controller waking another). Ignored when not running. */
  enqueue(key: string): void {
    this.queue?.add(key);
  }

  private async handle(key: string, signal: AbortSignal): Promise<Outcome> {
    const controller = this.spec.name;
    const { namespace, name } = splitKey(key);
    const reconcileID = randomUUID();
    const log = this.log.child({ controller, namespace, name, reconcileID });
    const req: ReconcileRequest = { key, namespace, name, reconcileID, log, signal };
    const stopTimer = this.metrics.reconcileTime.startTimer({ controller });
    this.metrics.activeWorkers.inc({ controller });
    try {
      const result = await this.spec.reconcile(req);
      const after = result?.requeueAfterMs;
      if (after !== undefined && after > 0) {
        this.metrics.reconcileTotal.inc({ controller, result: "requeue_after" });
        return { kind: "requeueAfter", ms: after };
      }
      this.metrics.reconcileTotal.inc({ controller, result: "success" });
      return { kind: "done" };
    } catch (err) {
      this.metrics.reconcileTotal.inc({ controller, result: "error" });
      this.metrics.reconcileErrors.inc({ controller });
      if (isTerminal(err)) {
        this.metrics.terminalErrors.inc({ controller });
        log.error({ reason: err.reason, err: err.message }, "Stopped retrying after a terminal error");
        await this.reportTerminal(req, err, log);
        return { kind: "terminal", error: err };
      }
      log.warn({ err: (err as Error).message }, "Reconcile failed; retrying with backoff");
      return { kind: "retry", error: err };
    } finally {
      this.metrics.activeWorkers.dec({ controller });
      stopTimer();
    }
  }

  private async reportTerminal(req: ReconcileRequest, err: TerminalError, log: Logger): Promise<void> {
    if (this.spec.onTerminalError === undefined) return;
    try {
      await this.spec.onTerminalError(req, err);
    } catch (reportErr) {
      log.error({ err: (reportErr as Error).message }, "Failed to record a terminal error on the object");
    }
  }
}
