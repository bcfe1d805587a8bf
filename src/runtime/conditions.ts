import type { Condition } from "../api/v1alpha1/condition.js";
import { jsonEqual } from "./deep-equal.js";
import { formatTimestamp } from "./duration.js";

/** What a controller concludes for one condition type; {@link setCondition} adds the transition time. */
export interface ConditionUpdate {
  type: string;
  status: Condition["status"];
  reason: string;
  message: string;
  observedGeneration?: number | undefined;
}

/**
 * Sets one condition with metav1 semantics and returns a new list, leaving the input untouched:
 * `lastTransitionTime` becomes `now` only when the status flips (or the type is new), while reason, message and
 * observedGeneration are replaced in place. Existing entries keep their order; a new type is appended.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  now: Date,
): Condition[] {
  const list = conditions ?? [];
  const existing = findCondition(list, update.type);
  if (existing === undefined) return [...list, buildCondition(update, formatTimestamp(now))];
  const lastTransitionTime =
    existing.status === update.status ? existing.lastTransitionTime : formatTimestamp(now);
  return list.map((condition) =>
    condition.type === update.type ? buildCondition(update, lastTransitionTime) : condition,
  );
}

/** Removes the condition of `type` (for conditions that are absent when they do not apply); a new list. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((condition) => condition.type !== type);
}

/** The condition of `type`, or `undefined` when the list has none. */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/** Whether the condition of `type` is present with status True; absent or Unknown count as not true. */
export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === "True";
}

/**
 * Whether two status objects say the same thing, compared as JSON (key order and `undefined` fields ignored,
 * arrays in order), so a reconciler writes status only when its conclusion changed.
 */
export function statusEqual(a: unknown, b: unknown): boolean {
  return jsonEqual(a, b);
}

function buildCondition(update: ConditionUpdate, lastTransitionTime: string): Condition {
  return {
    type: update.type,
    status: update.status,
    ...(update.observedGeneration === undefined ? {} : { observedGeneration: update.observedGeneration }),
    lastTransitionTime,
    reason: update.reason,
    message: update.message,
  };
}
