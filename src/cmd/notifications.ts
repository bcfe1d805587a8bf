import type { Registry } from "prom-client";
import { DestinationGuard } from "../notifications/destination.js";
import { createNotificationMetrics } from "../notifications/metrics.js";
import { Notifier } from "../notifications/notifier.js";
import type { KubeClient } from "../runtime/kube/client.js";
import type { Logger } from "../runtime/logging.js";
import type { WakeBell } from "../runtime/wake-bell.js";
import { openFeedSource } from "./audit-feed.js";
import type { RunConfig } from "./config.js";

/** The longest wait between two attempts of one delivery. */
const MAX_RETRY_BACKOFF_MS = 10 * 60_000;

/**
 * Notification delivery as a leader task, when `--notifications=true`: reads the audit record as the feed does
 * and delivers to NotificationRoutes (docs/notifications.md, ADR 0044), woken by `appended` when this replica
 * records an entry and otherwise every `--notification-poll-interval`. Undefined when off.
 */
export async function notificationTask(
  config: RunConfig,
  deps: { client: KubeClient; log: Logger; registry: Registry; appended?: WakeBell },
): Promise<{ run(signal: AbortSignal): Promise<void>; close(): Promise<void> } | undefined> {
  if (!config.notifications) return undefined;
  const source = await openFeedSource(config);
  const notifier = new Notifier({
    client: deps.client,
    source,
    guard: new DestinationGuard(config.notificationAllowedNetworks),
    metrics: createNotificationMetrics(deps.registry),
    log: deps.log,
    namespace: config.namespace,
    pollMs: config.notificationPollMs,
    ...(deps.appended === undefined ? {} : { wake: deps.appended }),
    batch: 100,
    retry: {
      maxAttempts: config.notificationMaxAttempts,
      initialMs: config.notificationRetryBackoffMs,
      maxMs: Math.max(MAX_RETRY_BACKOFF_MS, config.notificationRetryBackoffMs),
    },
  });
  return { run: (signal) => notifier.run(signal), close: () => source.close() };
}
