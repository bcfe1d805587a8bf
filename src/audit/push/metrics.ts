import { Counter, Gauge, type Registry } from "prom-client";

/** What the push reports: what it gave up on, what failed, and how far it got. */
export interface PushMetrics {
  deadLetters: Counter;
  failures: Counter<"reason">;
  position: Gauge;
}

/**
 * `stagegate_audit_push_dead_letters_total` (entries the endpoint refused permanently, each logged and named in
 * the position ConfigMap: alert on any increase), `stagegate_audit_push_failures_total{reason}` (attempts that
 * failed: unavailable, refused) and `stagegate_audit_push_position` (the last seq acknowledged).
 */
export function createPushMetrics(registry: Registry): PushMetrics {
  return {
    deadLetters: new Counter({
      name: "stagegate_audit_push_dead_letters_total",
      help: "Audit entries the push endpoint refused permanently and that were dead-lettered (logged, not delivered)",
      registers: [registry],
    }),
    failures: new Counter({
      name: "stagegate_audit_push_failures_total",
      help: "Failed push attempts, by reason: unavailable (retried until delivered) or refused",
      labelNames: ["reason"],
      registers: [registry],
    }),
    position: new Gauge({
      name: "stagegate_audit_push_position",
      help: "The seq of the last audit entry the push endpoint acknowledged (or dead-lettered)",
      registers: [registry],
    }),
  };
}
