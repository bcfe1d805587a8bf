import { Informer } from "../runtime/informer/informer.js";
import type { ResourceType } from "../runtime/kube/resource.js";
import type { ControllerDeps } from "./deps.js";
import { resources } from "./resources.js";

/** The shared caches every controller reads from; one informer per resource, however many controllers use it. */
export interface Informers {
  deploymentTasks: Informer;
  environments: Informer;
  releases: Informer;
  changeRequests: Informer;
  approvals: Informer;
}

function informerFor(deps: ControllerDeps, resource: ResourceType): Informer {
  return new Informer({
    client: deps.client,
    resource,
    namespace: resource.namespaced ? deps.informer.namespace : undefined,
    log: deps.log,
    metrics: deps.metrics.informer,
    resyncMs: deps.informer.resyncMs,
    stallTimeoutMs: deps.informer.stallTimeoutMs,
  });
}

/** Builds the shared informers. */
export function createInformers(deps: ControllerDeps): Informers {
  return {
    deploymentTasks: informerFor(deps, resources.deploymentTask),
    environments: informerFor(deps, resources.environment),
    releases: informerFor(deps, resources.release),
    changeRequests: informerFor(deps, resources.changeRequest),
    approvals: informerFor(deps, resources.approval),
  };
}

/** Every shared informer as a list, for the manager to run and to gate readiness on; none can be forgotten. */
export function informerList(informers: Informers): Informer[] {
  const { deploymentTasks, environments, releases, changeRequests, approvals } = informers;
  return [deploymentTasks, environments, releases, changeRequests, approvals];
}
