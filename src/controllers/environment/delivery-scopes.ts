import { EnvironmentSpec, type EnvironmentDelivery } from "../../api/v1alpha1/environment.js";
import type { ObjectStore } from "../../runtime/informer/store.js";
import type { KubeObject } from "../../runtime/kube/object.js";

/**
 * Every cached Environment's `spec.delivery` by name (an Environment whose spec does not parse owns nothing), each
 * parsed once per stored version: a delivery object's event asks for them, and a burst of 10,000 creations must not
 * parse every Environment 10,000 times.
 */
export function deliveryScopesOf(environments: ObjectStore): () => Map<string, EnvironmentDelivery> {
  const parsed = new WeakMap<KubeObject, EnvironmentDelivery | null>();
  const deliveryOf = (obj: KubeObject): EnvironmentDelivery | null => {
    let delivery = parsed.get(obj);
    if (delivery === undefined) {
      const spec = EnvironmentSpec.safeParse(obj.spec);
      delivery = spec.success ? spec.data.delivery : null;
      parsed.set(obj, delivery);
    }
    return delivery;
  };
  return () => {
    const scopes = new Map<string, EnvironmentDelivery>();
    for (const obj of environments.list()) {
      const delivery = deliveryOf(obj);
      if (delivery !== null) scopes.set(obj.metadata.name, delivery);
    }
    return scopes;
  };
}
