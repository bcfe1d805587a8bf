import type { InformerEvent } from "../../runtime/informer/informer.js";
import type { Condition } from "../../api/v1alpha1/condition.js";
import type { TargetIdentity } from "../../api/v1alpha1/binding.js";
import type { EnvironmentDelivery } from "../../api/v1alpha1/environment.js";
import { describeDeliveryObject, scopeHolds, scopeOf } from "../../policy/delivery-ownership.js";
import { findCondition, setCondition } from "../../runtime/conditions.js";
import { jsonEqual } from "../../runtime/deep-equal.js";
import type { KubeObject } from "../../runtime/kube/object.js";

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
    const others = holdersOf(delivery, obj)
      .filter((name) => name !== environment)
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

/** The environments whose `spec.delivery` holds `obj`, in the order of `delivery`. */
export function holdersOf(
  delivery: ReadonlyMap<string, EnvironmentDelivery>,
  obj: DeliveryObjectSeen,
): string[] {
  const holders: string[] = [];
  for (const [name, scope] of delivery) if (scopeHolds(scopeOf(scope, obj.kind), obj)) holders.push(name);
  return holders;
}

/**
 * The Environments a delivery object's event wakes: those whose overlap it can change, that is the holders of the
 * object before or after the event when two or more hold it (only a shared object is in anyone's overlap). A
 * creation or deletion of an object one environment owns alone, the common case, wakes no one: a pass looks over
 * every delivery object, and 10,000 creations each waking it kept the leader's event loop busy long enough to
 * lose its Lease. An update that kept kind, place and labels wakes no one (a GitOps tool writes status at every
 * sync); one without the old copy wakes every environment, as nothing tells who held the object before.
 */
export function deliveryObjectEventKeys(
  kind: DeliveryObjectSeen["kind"],
  delivery: () => ReadonlyMap<string, EnvironmentDelivery>,
): (event: InformerEvent) => string[] {
  const sharedHolders = (obj: KubeObject): string[] => {
    const holders = holdersOf(delivery(), deliveryObjectSeen(kind, obj));
    return holders.length >= 2 ? holders : [];
  };
  return (event) => {
    if (event.type !== "updated") return sharedHolders(event.object);
    if (event.old === undefined) return [...delivery().keys()];
    if (jsonEqual(event.old.metadata.labels ?? {}, event.object.metadata.labels ?? {})) return [];
    return [...new Set([...sharedHolders(event.old), ...sharedHolders(event.object)])];
  };
}

/** A cached delivery object as the overlap reads it. */
export function deliveryObjectSeen(kind: DeliveryObjectSeen["kind"], obj: KubeObject): DeliveryObjectSeen {
  return {
    kind,
    namespace: obj.metadata.namespace ?? "",
    name: obj.metadata.name,
    labels: obj.metadata.labels ?? {},
  };
}
