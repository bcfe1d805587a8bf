import type { ReleaseTarget } from "../api/v1alpha1/release-target.js";
import type { KubeClient } from "../runtime/kube/client.js";
import { ArgoCDAdapter } from "./argocd.js";
import { DeliveryConfigError, type DeliveryAdapter } from "./delivery.js";
import { FluxAdapter } from "./flux.js";

/** What the adapters need from the outside: a client acting as the operator, and the clock. */
export interface DeliveryDeps {
  client: KubeClient;
  now?: () => Date;
}

/** The adapter of the tool a target names (`argoCD` or `flux`); a target naming neither is a config error. */
export function adapterFor(target: ReleaseTarget, deps: DeliveryDeps): DeliveryAdapter {
  if (target.argoCD !== undefined) return new ArgoCDAdapter(deps.client, deps.now);
  if (target.flux !== undefined) return new FluxAdapter(deps.client, deps.now);
  throw new DeliveryConfigError(
    `Target ${target.environment} sets neither argoCD nor flux: set exactly one.`,
  );
}
