import { Counter, type Registry } from "prom-client";
import { PIPELINE_EVENT_TYPES } from "./pipeline-event.js";

/** How an event ended: acted on, already done, refused (4xx), unauthenticated, or failed (5xx). */
export type PipelineEventOutcome = "Applied" | "Unchanged" | "Rejected" | "Unauthorized" | "Failed";

/** Counts pipeline events by type and outcome; `stagegate_pipeline_events_total{type,outcome}`. */
export interface PipelineEventMetrics {
  observe(type: string | undefined, outcome: PipelineEventOutcome): void;
}

const KNOWN = new Set<string>(PIPELINE_EVENT_TYPES);

/**
 * Registers the pipeline event counter on the operator's registry. Types outside the supported list are counted
 * as `unsupported` (and unreadable events as `unknown`), so a sender cannot grow the label set.
 */
export function createPipelineEventMetrics(registry: Registry): PipelineEventMetrics {
  const total = new Counter({
    name: "stagegate_pipeline_events_total",
    help: "CI/CD pipeline events received, by CloudEvent type and outcome",
    labelNames: ["type", "outcome"],
    registers: [registry],
  });
  return {
    observe(type, outcome) {
      const label = type === undefined ? "unknown" : KNOWN.has(type) ? type : "unsupported";
      total.inc({ type: label, outcome });
    },
  };
}
