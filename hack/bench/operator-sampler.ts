import { samplesOf, valueOf } from "./prometheus-text.js";
import type { ScaleOperator } from "./scale-operator.js";

/** What the operator reported about itself at one second of a run. */
export interface OperatorSample {
  /** Seconds since the sampler started (or, in a run's report, since the run started). */
  readonly second: number;
  /** performance.now() of the sample. */
  readonly at: number;
  /** `workqueue_depth` by queue name; empty when the scrape failed. */
  readonly depth: Readonly<Record<string, number>>;
  /** VmRSS in bytes. */
  readonly rss: number;
  /** `nodejs_heap_size_used_bytes`, when prom-client's default metrics are on. */
  readonly heapUsed?: number;
}

/** How often the sampler scrapes. */
const INTERVAL_MS = 1000;

/**
 * Scrapes the operator's /metrics (workqueue_depth per queue, heap used) and reads its RSS once a second until
 * stopped, as Prometheus would, so a run shows the queues and memory over time.
 */
export class OperatorSampler {
  readonly samples: OperatorSample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly startedAt = performance.now();

  constructor(private readonly operator: ScaleOperator) {
    this.timer = setInterval(() => {
      this.inFlight = this.inFlight.then(() => this.sample());
    }, INTERVAL_MS);
  }

  private async sample(): Promise<void> {
    const at = performance.now();
    const second = Math.round((at - this.startedAt) / 1000);
    let rss = 0;
    try {
      rss = (await this.operator.memory()).rss;
      const text = await this.operator.metrics();
      const depth: Record<string, number> = {};
      for (const s of samplesOf(text, "workqueue_depth")) depth[s.labels.name ?? "?"] = s.value;
      const heapUsed = valueOf(text, "nodejs_heap_size_used_bytes");
      this.samples.push({ second, at, depth, rss, ...(heapUsed === undefined ? {} : { heapUsed }) });
    } catch {
      // A scrape the operator could not answer in time is a gap in the series, shown as such.
      this.samples.push({ second, at, depth: {}, rss });
    }
  }

  /** Stops sampling and waits for a scrape in progress. */
  async stop(): Promise<OperatorSample[]> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
    return this.samples;
  }
}
