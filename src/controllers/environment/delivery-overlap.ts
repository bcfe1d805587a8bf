import type { InformerEvent } from "../../runtime/informer/informer.js";
import { wakeOnChange } from "../wake-on-change.js";
import type { Condition } from "../../api/v1alpha1/condition.js";
import type { TargetIdentity } from "../../api/v1alpha1/binding.js";
import type { EnvironmentDelivery } from "../../api/v1alpha1/environment.js";
import { describeDeliveryObject, scopeHolds, scopeOf } from "../../policy/delivery-ownership.js";
import { findCondition, setCondition } from "../../runtime/conditions.js";

/** A delivery object as the caches hold it. */
export interface DeliveryObjectSeen {
  kind: TargetIdentity["kind"];
  namespace: string;
  name: string;
  labels: Readonly<Record<string, string>>;
}

/** The condition type an Environment reports while a delivery object it owns is also owned by another. */
export const DELIVERY_OVERLAP = "DeliveryOverlap";

/**
 * Every delivery object that `environment` owns and another environment owns too, with those environments: such
 * an object could carry a release cleared for one environment into the other's world.
 */
export function deliveryOverlaps(
  environment: string,
  delivery: ReadonlyMap<string, EnvironmentDelivery>,
  objects: readonly DeliveryObjectSeen[],
): { object: string; others: string[] }[] {
  const own = delivery.get(environment);
  if (own === undefined) return [];
  return objects.flatMap((obj) => {
    if (!scopeHolds(scopeOf(own, obj.kind), obj)) return [];
    const others = [...delivery.entries()]
      .filter(([name, scope]) => name !== environment && scopeHolds(scopeOf(scope, obj.kind), obj))
      .map(([name]) => name)
      .sort();
    return others.length === 0 ? [] : [{ object: describeDeliveryObject(obj), others }];
  });
}

/**
 * `DeliveryOverlap`: True naming each shared object and the environments that also claim it, with the fix; False
 * once none is shared after it had been True (an environment that never overlapped carries no such condition).
 */
export function overlapCondition(
  conditions: Condition[] | undefined,
  overlaps: readonly { object: string; others: string[] }[],
  observedGeneration: number | undefined,
  now: Date,
): Condition[] {
  if (overlaps.length > 0) {
    const list = overlaps.map((o) => `${o.object} (also claimed by ${o.others.join(", ")})`).join("; ");
    return setCondition(
      conditions,
      {
        type: DELIVERY_OVERLAP,
        status: "True",
        reason: "ClaimedByAnother",
        message:
          `Delivery objects this environment owns are claimed by other environments too: ${list}. Narrow ` +
          "spec.delivery (namespaces or matchLabels) so each delivery object belongs to one environment.",
        observedGeneration,
      },
      now,
    );
  }
  if (findCondition(conditions, DELIVERY_OVERLAP) === undefined) return conditions ?? [];
  return setCondition(
    conditions,
    {
      type: DELIVERY_OVERLAP,
      status: "False",
      reason: "Exclusive",
      message: "Every delivery object this environment owns belongs to it alone.",
      observedGeneration,
    },
    now,
  );
}

/**
 * The Environments a delivery object's event wakes: all of them when it is created, deleted or relabelled (it may
 * move into or out of two scopes), none when only its status or spec changed. The overlap reads of a delivery
 * object only its kind, namespace, name and labels, and a GitOps tool writes its status at every sync: with 10,000
 * targets, each such write woke every Environment to look over 10,000 objects again.
 */
export function deliveryObjectEventKeys(environments: () => string[]): (event: InformerEvent) => string[] {
  return wakeOnChange((obj) => obj?.metadata.labels ?? {}, environments);
}
