import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { InformerMetrics } from "./informer/informer.js";
import type { WorkqueueMetrics } from "./workqueue/metrics.js";

const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const QUEUE_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10, 100, 1000];

/**
 * The operator's Prometheus metrics. Runtime metrics use controller-runtime's names so existing dashboards
 * work; Stagegate's own metrics are registered by controllers under the `stagegate_` prefix.
 */
export class RuntimeMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal: Counter<"controller" | "result">;
  readonly reconcileErrors: Counter<"controller">;
  readonly terminalErrors: Counter<"controller">;
  readonly reconcileTime: Histogram<"controller">;
  readonly activeWorkers: Gauge<"controller">;
  readonly maxConcurrentReconciles: Gauge<"controller">;
  readonly leaderStatus: Gauge<"name">;
  readonly workqueue: WorkqueueMetrics;
  readonly informer: InformerMetrics;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics === true) collectDefaultMetrics({ register: this.registry });
    this.reconcileTotal = new Counter({
      name: "controller_runtime_reconcile_total",
      help: "Total number of reconciliations per controller",
      labelNames: ["controller", "result"],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: "controller_runtime_reconcile_errors_total",
      help: "Total number of reconciliation errors per controller",
      labelNames: ["controller"],
      registers,
    });
    this.terminalErrors = new Counter({
      name: "controller_runtime_terminal_reconcile_errors_total",
      help: "Total number of terminal reconciliation errors per controller",
      labelNames: ["controller"],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: "controller_runtime_reconcile_time_seconds",
      help: "Length of time per reconciliation per controller",
      labelNames: ["controller"],
      buckets: RECONCILE_BUCKETS,
      registers,
    });
    this.activeWorkers = new Gauge({
      name: "controller_runtime_active_workers",
      help: "Number of currently used workers per controller",
      labelNames: ["controller"],
      registers,
    });
    this.maxConcurrentReconciles = new Gauge({
      name: "controller_runtime_max_concurrent_reconciles",
      help: "Maximum number of concurrent reconciles per controller",
      labelNames: ["controller"],
      registers,
    });
    this.leaderStatus = new Gauge({
      name: "leader_election_master_status",
      help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master",
      labelNames: ["name"],
      registers,
    });
    this.workqueue = createWorkqueueMetrics(this.registry);
    this.informer = createInformerMetrics(this.registry);
  }
}

function createWorkqueueMetrics(registry: Registry): WorkqueueMetrics {
  const registers = [registry];
  const labelNames = ["name", "controller"] as const;
  const adds = new Counter({
    name: "workqueue_adds_total",
    help: "Total number of adds handled by workqueue",
    labelNames,
    registers,
  });
  const depth = new Gauge({
    name: "workqueue_depth",
    help: "Current depth of workqueue",
    labelNames,
    registers,
  });
  const latency = new Histogram({
    name: "workqueue_queue_duration_seconds",
    help: "How long in seconds an item stays in workqueue before being requested",
    labelNames,
    buckets: QUEUE_BUCKETS,
    registers,
  });
  const work = new Histogram({
    name: "workqueue_work_duration_seconds",
    help: "How long in seconds processing an item from workqueue takes",
    labelNames,
    buckets: QUEUE_BUCKETS,
    registers,
  });
  const retries = new Counter({
    name: "workqueue_retries_total",
    help: "Total number of retries handled by workqueue",
    labelNames,
    registers,
  });
  const unfinished = new Gauge({
    name: "workqueue_unfinished_work_seconds",
    help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration",
    labelNames,
    registers,
  });
  const longest = new Gauge({
    name: "workqueue_longest_running_processor_seconds",
    help: "How many seconds has the longest running processor for workqueue been running",
    labelNames,
    registers,
  });
  const l = (name: string) => ({ name, controller: name });
  return {
    added: (name) => adds.inc(l(name)),
    depth: (name, n) => depth.set(l(name), n),
    queueLatency: (name, s) => latency.observe(l(name), s),
    workDuration: (name, s) => work.observe(l(name), s),
    retried: (name) => retries.inc(l(name)),
    unfinishedWorkSeconds: (name, s) => unfinished.set(l(name), s),
    longestRunningProcessorSeconds: (name, s) => longest.set(l(name), s),
  };
}

function createInformerMetrics(registry: Registry): InformerMetrics {
  const registers = [registry];
  const restarts = new Counter({
    name: "stagegate_informer_restarts_total",
    help: "List/watch restarts after an error, by resource and reason",
    labelNames: ["resource", "reason"],
    registers,
  });
  const relists = new Counter({
    name: "stagegate_informer_relists_total",
    help: "Full relists, by resource and reason",
    labelNames: ["resource", "reason"],
    registers,
  });
  const stalls = new Counter({
    name: "stagegate_informer_watch_stalls_total",
    help: "Watches rebuilt by the watchdog after delivering nothing for the stall timeout",
    labelNames: ["resource"],
    registers,
  });
  const bookmarks = new Counter({
    name: "stagegate_informer_bookmarks_total",
    help: "Watch bookmarks received (the API server confirming a watch is alive and current)",
    labelNames: ["resource"],
    registers,
  });
  return {
    bookmarked: (resource) => bookmarks.inc({ resource }),
    restarted: (resource, reason) => restarts.inc({ resource, reason }),
    relisted: (resource, reason) => relists.inc({ resource, reason }),
    watchStalled: (resource) => stalls.inc({ resource }),
  };
}
