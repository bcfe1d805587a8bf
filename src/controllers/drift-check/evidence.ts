import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import type { DeliveryObservation } from "../../gitops/delivery.js";
import { formatTimestamp } from "../../runtime/duration.js";

/** The delivery object a target names, as the audit trail records it. */
export interface TargetIdentity {
  tool: "ArgoCD" | "Flux";
  kind: "Application" | "Kustomization" | "HelmRelease";
  namespace: string;
  name: string;
}

/** The tool, kind and object a target delivers through; undefined for a target naming neither tool. */
export function targetIdentity(target: ReleaseTarget): TargetIdentity | undefined {
  if (target.argoCD !== undefined) {
    const { name, namespace } = target.argoCD;
    return { tool: "ArgoCD", kind: "Application", namespace, name };
  }
  if (target.flux !== undefined) {
    const { kind, name, namespace } = target.flux;
    return { tool: "Flux", kind, namespace, name };
  }
  return undefined;
}

/** `Argo CD Application argocd/shop-dev`, `Flux Kustomization flux-system/shop`: the object in a sentence. */
export function describeTarget(target: ReleaseTarget): string {
  const id = targetIdentity(target);
  if (id === undefined) return `the target of ${target.environment}`;
  return `${id.tool === "ArgoCD" ? "Argo CD" : "Flux"} ${id.kind} ${id.namespace}/${id.name}`;
}

/**
 * The sentence a reviewer reads as the evidence of a passed drift check: which object, what its tool reported
 * (Argo CD: Synced; Flux: Ready), at which revision and when. For example: "Argo CD Application argocd/shop-dev
 * reported Synced at revision 4f2c1e0 at 2026-11-26T10:00:00Z, with nothing in flight and no failed sync."
 */
export function evidenceNotes(target: ReleaseTarget, observation: DeliveryObservation): string {
  const argo = target.argoCD !== undefined;
  const state = argo ? "Synced" : "Ready";
  const what =
    observation.revision === undefined
      ? ""
      : target.flux?.kind === "HelmRelease"
        ? ` with chart version ${observation.revision} deployed`
        : ` at revision ${observation.revision}`;
  const quiet = argo
    ? "with no sync in flight and no failed sync"
    : "with nothing left to reconcile and nothing stalled";
  return (
    `${describeTarget(target)} reported ${state}${what} at ${formatTimestamp(observation.observedAt)}, ` +
    `${quiet}.`
  );
}
