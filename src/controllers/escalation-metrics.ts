import { Counter } from "prom-client";
import type { ControllerDeps } from "./deps.js";

/** `stagegate_escalations_total{kind,level}`: levels reached, counted by the replica that stored them. */
export function escalationCounter(deps: Pick<ControllerDeps, "metrics">): Counter<"kind" | "level"> {
  const existing = deps.metrics.registry.getSingleMetric("stagegate_escalations_total");
  if (existing instanceof Counter) return existing;
  return new Counter({
    name: "stagegate_escalations_total",
    help: "Escalation levels reached (an SLA breached and not resolved by then), by kind (task, approval) and level",
    labelNames: ["kind", "level"],
    registers: [deps.metrics.registry],
  });
}
