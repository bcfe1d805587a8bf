import { Informer } from "../runtime/informer/informer.js";
import { takeInOwnWrites } from "../runtime/informer/own-writes.js";
import {
  LAST_APPLIED_ANNOTATION,
  trimmedForCache,
  type CacheTransform,
  type CacheTrimming,
  type FieldPath,
} from "../runtime/informer/transform.js";
import { builtin, type ResourceType } from "../runtime/kube/resource.js";
import type { ControllerDeps } from "./deps.js";
import { LOCK_ANNOTATION } from "./release/gather.js";
import { argoCDProjectResource, deliveryResources, resources } from "./resources.js";
import { ARGOCD_UNREAD_STATUS, FLUX_KUSTOMIZATION_UNREAD_STATUS } from "./delivery-unread.js";
import { DEPLOYMENT_TASK_UNREAD_SPEC } from "./task-unread.js";

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
  /** Namespaces, for the labels that scope release freezes (written by whoever administers namespaces). */
  namespaces: Informer;
  /** Argo CD AppProjects, for the sync windows Argo CD applies to an Application's syncs. Optional like the rest. */
  argoCDProjects: Informer;
  /** TeamRoleBindings (administrators' only): a team's coordination roles, read where Environment roles are. */
  teamRoleBindings: Informer;
}

/**
 * What the shared caches drop (ADR 0034, 0058). No reader of a cache reads `managedFields` (the lock's write time and
 * the pipeline's checklist ownership are read from live GETs), but the entries that own the lock annotation are
 * kept, so `lockWrite` of a cached object answers as of the full object. The last-applied-configuration copy is
 * dropped from every kind but Approvals: they are the one kind an archive document is sealed from as cached (a
 * change's decisions, ADR 0029); the archive reads a closed Release, ChangeRequest or DeploymentTask live before
 * sealing it (ADR 0058). DeploymentTasks also lose the texts written for the person doing the work
 * (src/controllers/task-unread.ts), and delivery objects the status their tool keeps of what it deployed (resource
 * trees, inventories, past syncs): only the adapters read their status, through schemas that name none of it
 * (src/controllers/delivery-unread.ts). Every kind's strings are shared (ADR 0051): the same revisions, uids, names,
 * times and messages repeated by a release, its children and its targets are kept once.
 * tests/unit/controllers/cache-trimming-kinds.test.ts proves, kind by kind, that the cache holds every other field.
 */
export const cacheTrimming = {
  /** Approvals: sealed with their metadata as cached, as the related objects of a change's document (ADR 0029). */
  sealedFromCache: trimmedForCache({
    keepManagedFieldsOwning: [LOCK_ANNOTATION],
    dropAnnotations: [],
    shareStrings: true,
  }),
  /** Environments, Releases, ChangeRequests, Namespaces, Argo CD AppProjects and Flux HelmReleases. */
  other: trimmedForCache(trimming()),
  /** DeploymentTasks, without their descriptions (see {@link DEPLOYMENT_TASK_UNREAD_SPEC}). */
  deploymentTasks: trimmedForCache(trimming(DEPLOYMENT_TASK_UNREAD_SPEC)),
  /** Argo CD Applications, without the status Argo CD keeps for its own UI (see {@link ARGOCD_UNREAD_STATUS}). */
  argoCDApplications: trimmedForCache(trimming(ARGOCD_UNREAD_STATUS)),
  /** Flux Kustomizations, without their inventory (see {@link FLUX_KUSTOMIZATION_UNREAD_STATUS}). */
  fluxKustomizations: trimmedForCache(trimming(FLUX_KUSTOMIZATION_UNREAD_STATUS)),
} satisfies CacheTrimmingByKind;

/** The transform of each group of kinds (see {@link cacheTrimming}). */
export interface CacheTrimmingByKind {
  sealedFromCache: CacheTransform;
  other: CacheTransform;
  deploymentTasks: CacheTransform;
  argoCDApplications: CacheTransform;
  fluxKustomizations: CacheTransform;
}

/** The trimming of the kinds no archive document is sealed from as cached: their last-applied copy goes too. */
function trimming(dropFields: readonly FieldPath[] = []): CacheTrimming {
  return {
    keepManagedFieldsOwning: [LOCK_ANNOTATION],
    dropAnnotations: [LAST_APPLIED_ANNOTATION],
    dropFields,
    shareStrings: true,
  };
}

/** Which trimming of {@link cacheTrimming} each shared cache applies: the one place that says it. */
export const cachedKinds = {
  deploymentTasks: "deploymentTasks",
  environments: "other",
  releases: "other",
  changeRequests: "other",
  approvals: "sealedFromCache",
  argoCDApplications: "argoCDApplications",
  fluxKustomizations: "fluxKustomizations",
  fluxHelmReleases: "other",
  namespaces: "other",
  argoCDProjects: "other",
  teamRoleBindings: "other",
} as const satisfies Record<keyof Informers, keyof CacheTrimmingByKind>;

/** What building the shared informers needs of the controllers' dependencies. */
export type InformerDeps = Pick<ControllerDeps, "client" | "log" | "informer"> & {
  metrics: Pick<ControllerDeps["metrics"], "informer">;
};

function informerFor(
  deps: InformerDeps,
  resource: ResourceType,
  transform: CacheTransform,
  delivery = false,
): Informer {
  return new Informer({
    transform,
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

/**
 * Builds the shared informers. `trimming` is what their caches drop: {@link cacheTrimming}, unless a benchmark
 * measures what that saves.
 */
export function createInformers(
  deps: InformerDeps,
  trimming: CacheTrimmingByKind = cacheTrimming,
): Informers {
  const of = (name: keyof Informers): CacheTransform => trimming[cachedKinds[name]];
  const informers: Informers = {
    deploymentTasks: informerFor(deps, resources.deploymentTask, of("deploymentTasks")),
    environments: informerFor(deps, resources.environment, of("environments")),
    releases: informerFor(deps, resources.release, of("releases")),
    changeRequests: informerFor(deps, resources.changeRequest, of("changeRequests")),
    approvals: informerFor(deps, resources.approval, of("approvals")),
    argoCDApplications: informerFor(
      deps,
      deliveryResources.argoCDApplication,
      of("argoCDApplications"),
      true,
    ),
    fluxKustomizations: informerFor(
      deps,
      deliveryResources.fluxKustomization,
      of("fluxKustomizations"),
      true,
    ),
    fluxHelmReleases: informerFor(deps, deliveryResources.fluxHelmRelease, of("fluxHelmReleases"), true),
    namespaces: informerFor(deps, builtin.namespace, of("namespaces")),
    argoCDProjects: informerFor(deps, argoCDProjectResource, of("argoCDProjects"), true),
    teamRoleBindings: informerFor(deps, resources.teamRoleBinding, of("teamRoleBindings")),
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
    informers.namespaces,
    informers.argoCDProjects,
    informers.teamRoleBindings,
    ...deliveryInformers(informers),
  ];
}

/** The informers of Argo CD and Flux delivery objects. */
export function deliveryInformers(informers: Informers): Informer[] {
  return [informers.argoCDApplications, informers.fluxKustomizations, informers.fluxHelmReleases];
}
