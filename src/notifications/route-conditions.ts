import type { Condition } from "../api/v1alpha1/condition.js";
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
