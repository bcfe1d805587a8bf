import type { ReleaseSpec } from "../../api/v1alpha1/release.js";
import { isNotFound } from "../../runtime/kube/api-error.js";
import type { CallOptions, KubeClient } from "../../runtime/kube/client.js";
import type { ResourceType } from "../../runtime/kube/resource.js";
import { deliveryResources } from "../resources.js";
import { CRITICALITY_LABEL } from "./reasons.js";

/** The delivery object (Argo CD Application or Flux object) a Release uses for one environment. */
export interface DeliveryObject {
  resource: ResourceType;
  namespace: string;
  name: string;
}

/** The delivery object of a Release's target for `environment`, or undefined when it has no target there. */
export function deliveryObjectFor(release: ReleaseSpec, environment: string): DeliveryObject | undefined {
  const target = release.targets.find((t) => t.environment === environment);
  if (target?.argoCD !== undefined) {
    const { name, namespace } = target.argoCD;
    return { resource: deliveryResources.argoCDApplication, namespace, name };
  }
  if (target?.flux !== undefined) {
    const { kind, name, namespace } = target.flux;
    const resource =
      kind === "HelmRelease" ? deliveryResources.fluxHelmRelease : deliveryResources.fluxKustomization;
    return { resource, namespace, name };
  }
  return undefined;
}

/**
 * Whether the delivery object of the change's environment carries `stagegate.io/criticality: high`. Read
 * from the server (the operator keeps no cache of Argo CD or Flux objects, and reads this once per round); a
 * target that does not exist, or whose kind is not installed, is not critical.
 */
export async function isCriticalTarget(
  client: KubeClient,
  release: ReleaseSpec,
  environment: string,
  opts: CallOptions = {},
): Promise<boolean> {
  const target = deliveryObjectFor(release, environment);
  if (target === undefined) return false;
  try {
    const obj = await client.get(target.resource, target.name, target.namespace, opts);
    return obj.metadata.labels?.[CRITICALITY_LABEL] === "high";
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
