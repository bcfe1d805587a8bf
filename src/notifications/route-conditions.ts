import type { Condition } from "../api/v1alpha1/condition.js";
import type { NotificationRouteStatus } from "../api/v1alpha1/notification-route.js";
import { setCondition } from "../runtime/conditions.js";

/** What a pass concluded about a route's deliveries, for its two conditions. */
export type RouteHealth =
  | { healthy: true; reason: "Delivered" | "Following"; message: string }
  | { healthy: false; reason: string; message: string };

/**
 * The route's `Delivering` and `DeliveryFailing` conditions from what the pass found: Delivering True and
 * DeliveryFailing False while deliveries arrive; Delivering False and DeliveryFailing True, with the error in
 * words, while any delivery fails, waits to be retried, was given up or interrupted, or the channel cannot be used.
 * Pure.
 */
export function routeConditions(
  conditions: readonly Condition[] | undefined,
  health: RouteHealth,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const observedGeneration = generation;
  const delivering = setCondition(
    conditions,
    {
      type: "Delivering",
      status: health.healthy ? "True" : "False",
      reason: health.reason,
      message: health.message,
      observedGeneration,
    },
    now,
  );
  return setCondition(
    delivering,
    {
      type: "DeliveryFailing",
      status: health.healthy ? "False" : "True",
      reason: health.healthy ? "NoFailures" : health.reason,
      message: health.healthy ? "No delivery is failing or waiting to be retried." : health.message,
      observedGeneration,
    },
    now,
  );
}

/** Failures that stay shown on a route until a delivery arrives again (the others are checked every pass). */
const STICKY_REASONS: ReadonlySet<string> = new Set(["DeliveryGivenUp", "Interrupted"]);

/** The health after a delivery failed: retried, or given up. Pure. */
export function failureHealth(error: {
  seq: number;
  recipient: string;
  error: string;
  gaveUp: boolean;
}): RouteHealth {
  return {
    healthy: false,
    reason: error.gaveUp ? "DeliveryGivenUp" : "DeliveryRetrying",
    message:
      `The delivery of audit entry ${error.seq} to ${error.recipient} failed: ${error.error}. ` +
      (error.gaveUp
        ? "It was given up and counted in status.failed."
        : "It is tried again with backoff (status.retries)."),
  };
}

/**
 * The health of a route with no new failure: failing while retries wait; a give-up or an interruption stays shown
 * until a delivery arrives again (`arrived`); else delivering. Pure.
 */
export function steadyHealth(status: NotificationRouteStatus, arrived = false): RouteHealth {
  const waiting = status.retries ?? [];
  const first = waiting[0];
  if (first !== undefined) {
    return {
      healthy: false,
      reason: "DeliveryRetrying",
      message:
        `${waiting.length} deliveries wait to be retried; the first (audit entry ${first.seq} to ` +
        `${first.recipient}) failed: ${first.lastError ?? "unknown error"}.`,
    };
  }
  const previous = status.conditions?.find((c) => c.type === "Delivering");
  if (!arrived && previous?.status === "False" && STICKY_REASONS.has(previous.reason)) {
    return { healthy: false, reason: previous.reason, message: previous.message };
  }
  return {
    healthy: true,
    reason: "Delivered",
    message: `${status.delivered ?? 0} deliveries arrived, ${status.failed ?? 0} were given up.`,
  };
}
