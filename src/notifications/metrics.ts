import { Counter, Gauge, type Registry } from "prom-client";

/** What notification delivery reports, with bounded labels only (channel type and result; never a route name). */
export interface NotificationMetrics {
  attempts: Counter<"channel" | "result">;
  failingRoutes: Gauge;
  pending: Gauge;
  rateLimited: Counter<"channel">;
}

/**
 * `stagegate_notification_attempts_total{channel,result}` (result: delivered, retry, failed, gave_up,
 * interrupted, unconfigured), `stagegate_notification_routes_failing` (routes whose DeliveryFailing is True: alert
 * on > 0), `stagegate_notification_pending_deliveries` (claimed and waiting to retry) and
 * `stagegate_notification_rate_limited_total{channel}` (passes that left deliveries waiting for the rate limit).
 */
export function createNotificationMetrics(registry: Registry): NotificationMetrics {
  return {
    attempts: new Counter({
      name: "stagegate_notification_attempts_total",
      help: "Notification delivery attempts by channel type and result (delivered, retry, failed, gave_up, interrupted, unconfigured)",
      labelNames: ["channel", "result"],
      registers: [registry],
    }),
    failingRoutes: new Gauge({
      name: "stagegate_notification_routes_failing",
      help: "NotificationRoutes whose DeliveryFailing condition is True",
      registers: [registry],
    }),
    pending: new Gauge({
      name: "stagegate_notification_pending_deliveries",
      help: "Notification deliveries waiting for another attempt, over all routes",
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: "stagegate_notification_rate_limited_total",
      help: "Passes of a route that left deliveries waiting for its rate limit, by channel type",
      labelNames: ["channel"],
      registers: [registry],
    }),
  };
}
