/**
 * Hooks through which a work queue reports what controller-runtime exports as `workqueue_*` metrics, so the
 * runtime stays free of prom-client. Every method receives the queue's name as the `name` label.
 */
export interface WorkqueueMetrics {
  /** A key entered the queue (`workqueue_adds_total`); repeated adds of a waiting key are not counted. */
  added(name: string): void;
  /** Keys ready and waiting for a worker (`workqueue_depth`). */
  depth(name: string, depth: number): void;
  /** Time a key waited between being added and handed to a worker (`workqueue_queue_duration_seconds`). */
  queueLatency(name: string, seconds: number): void;
  /** Time a worker held a key, from `get` to `done` (`workqueue_work_duration_seconds`). */
  workDuration(name: string, seconds: number): void;
  /** A key was scheduled for a delayed or rate-limited retry (`workqueue_retries_total`). */
  retried(name: string): void;
  /** Total seconds of work in progress and not yet done (`workqueue_unfinished_work_seconds`). */
  unfinishedWorkSeconds(name: string, seconds: number): void;
  /** Seconds the longest-running worker has held its key (`workqueue_longest_running_processor_seconds`). */
  longestRunningProcessorSeconds(name: string, seconds: number): void;
}
