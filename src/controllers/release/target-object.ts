import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { ResourceType } from "../../runtime/kube/resource.js";
import { deliveryResources } from "../resources.js";

/** The API object a target delivers through, where its lock annotation lives. */
export interface TargetObjectRef {
  rt: ResourceType;
  name: string;
  namespace: string;
}

/** The delivery object of a target: an Argo CD Application, a Flux Kustomization or HelmRelease. */
export function targetObjectRef(target: ReleaseTarget): TargetObjectRef | undefined {
  if (target.argoCD !== undefined) {
    const { name, namespace } = target.argoCD;
    return { rt: deliveryResources.argoCDApplication, name, namespace };
  }
  const flux = target.flux;
  if (flux === undefined) return undefined;
  const rt =
    flux.kind === "HelmRelease" ? deliveryResources.fluxHelmRelease : deliveryResources.fluxKustomization;
  return { rt, name: flux.name, namespace: flux.namespace };
}

/** `group/Kind/namespace/name` of a delivery object, the same for a target and for the object itself. */
export function deliveryObjectKey(group: string, kind: string, namespace: string, name: string): string {
  return `${group}/${kind}/${namespace}/${name}`;
}

/** The key of the delivery object a target names; undefined for a target naming no tool. */
export function targetKey(target: ReleaseTarget): string | undefined {
  const ref = targetObjectRef(target);
  return ref === undefined
    ? undefined
    : deliveryObjectKey(ref.rt.group, ref.rt.kind, ref.namespace, ref.name);
}

/** The key of a delivery object as its informer delivers it. */
export function objectDeliveryKey(obj: KubeObject, rt: ResourceType): string {
  return deliveryObjectKey(rt.group, rt.kind, obj.metadata.namespace ?? "", obj.metadata.name);
}
