import { Informer } from "../runtime/informer/informer.js";
import { takeInOwnWrites } from "../runtime/informer/own-writes.js";
import type { ResourceType } from "../runtime/kube/resource.js";
import type { ControllerDeps } from "./deps.js";
import { deliveryResources, resources } from "./resources.js";

/** The shared caches every controller reads from; one informer per resource, however many controllers use it. */
export interface Informers {
  deploymentTasks: Informer;
  environments: Informer;
  releases: Informer;
  changeRequests: Informer;
  approvals: Informer;
  /**
   * The delivery objects of Argo CD and Flux, watched in every namespace so a release hears at once when its
   * target moves (a sync finished, someone synced by hand). Optional: a cluster without a tool's CRDs is fine.
   */
  argoCDApplications: Informer;
  fluxKustomizations: Informer;
  fluxHelmReleases: Informer;
}

function informerFor(deps: ControllerDeps, resource: ResourceType, delivery = false): Informer {
  return new Informer({
    client: deps.client,
    resource,
    namespace: resource.namespaced && !delivery ? deps.informer.namespace : undefined,
    optional: delivery,
    log: deps.log,
    metrics: deps.metrics.informer,
    resyncMs: deps.informer.resyncMs,
    stallTimeoutMs: deps.informer.stallTimeoutMs,
  });
}

/** Builds the shared informers; each takes in the client's own replaces of its objects at once (applyOwnWrite). */
export function createInformers(deps: ControllerDeps): Informers {
  const informers: Informers = {
    deploymentTasks: informerFor(deps, resources.deploymentTask),
    environments: informerFor(deps, resources.environment),
    releases: informerFor(deps, resources.release),
    changeRequests: informerFor(deps, resources.changeRequest),
    approvals: informerFor(deps, resources.approval),
    argoCDApplications: informerFor(deps, deliveryResources.argoCDApplication, true),
    fluxKustomizations: informerFor(deps, deliveryResources.fluxKustomization, true),
    fluxHelmReleases: informerFor(deps, deliveryResources.fluxHelmRelease, true),
  };
  takeInOwnWrites(deps.client, informerList(informers));
  return informers;
}

/** Every shared informer as a list, for the manager to run and to gate readiness on; none can be forgotten. */
export function informerList(informers: Informers): Informer[] {
  return [
    informers.deploymentTasks,
    informers.environments,
    informers.releases,
    informers.changeRequests,
    informers.approvals,
    ...deliveryInformers(informers),
  ];
}

/** The informers of Argo CD and Flux delivery objects. */
export function deliveryInformers(informers: Informers): Informer[] {
  return [informers.argoCDApplications, informers.fluxKustomizations, informers.fluxHelmReleases];
}
