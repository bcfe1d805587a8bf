import { Counter, type Registry } from "prom-client";
import type { AlertOutcome } from "./alertmanager-outcome.js";

/** How a whole notification was refused before its alerts were read. */
export type NotificationRefusal = "rejected" | "unauthorized" | "unavailable";

/**
 * Counts alerts received from Alertmanager, `stagegate_alerts_received_total{status,outcome}`: one count per
 * alert and matched release/environment (an unmatched alert counts once) with the alert's status, and one per
 * refused notification with status `unknown`.
 */
export interface AlertMetrics {
  observe(status: "firing" | "resolved", outcome: AlertOutcome): void;
  refused(outcome: NotificationRefusal): void;
}

/** Registers the alert counter on the operator's registry. Labels take a fixed set of values only. */
export function createAlertMetrics(registry: Registry): AlertMetrics {
  const total = new Counter({
    name: "stagegate_alerts_received_total",
    help: "Alertmanager alerts received, by alert status and outcome",
    labelNames: ["status", "outcome"],
    registers: [registry],
  });
  return {
    observe: (status, outcome) => total.inc({ status, outcome }),
    refused: (outcome) => total.inc({ status: "unknown", outcome }),
  };
}
