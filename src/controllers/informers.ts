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
 * What the shared caches drop (ADR 0034). No reader of a cache reads `managedFields` (the lock's write time and
 * the pipeline's checklist ownership are read from live GETs), but the entries that own the lock annotation are
 * kept, so `lockWrite` of a cached object answers as of the full object. The last-applied-configuration copy
 * is dropped from the kinds no archive document is sealed from (Environments, delivery objects); the archived
 * kinds keep it, as their documents hold their metadata as cached. Delivery objects also lose the status their tool
 * keeps of what it deployed (resource trees, inventories, past syncs): only the adapters read their status, through
 * schemas that name none of it (src/controllers/delivery-unread.ts). Every kind's strings are shared (ADR 0051): the
 * same revisions, uids, names, times and messages repeated by a release, its children and its targets are kept once.
 * tests/unit/controllers/cache-trimming-kinds.test.ts proves, kind by kind, that the cache holds every other field.
 */
export const cacheTrimming = {
  /** Releases, ChangeRequests, DeploymentTasks and Approvals: archived with their metadata (ADR 0029). */
  archived: trimmedForCache({
    keepManagedFieldsOwning: [LOCK_ANNOTATION],
    dropAnnotations: [],
    shareStrings: true,
  }),
  /** Environments and Flux HelmReleases. */
  other: trimmedForCache(notArchived()),
  /** Argo CD Applications, without the status Argo CD keeps for its own UI (see {@link ARGOCD_UNREAD_STATUS}). */
  argoCDApplications: trimmedForCache(notArchived(ARGOCD_UNREAD_STATUS)),
  /** Flux Kustomizations, without their inventory (see {@link FLUX_KUSTOMIZATION_UNREAD_STATUS}). */
  fluxKustomizations: trimmedForCache(notArchived(FLUX_KUSTOMIZATION_UNREAD_STATUS)),
} satisfies CacheTrimmingByKind;

/** The transform of each group of kinds (see {@link cacheTrimming}). */
export interface CacheTrimmingByKind {
  archived: CacheTransform;
  other: CacheTransform;
  argoCDApplications: CacheTransform;
  fluxKustomizations: CacheTransform;
}

/** The trimming of the kinds no archive document is sealed from: their last-applied copy goes too. */
function notArchived(dropFields: readonly FieldPath[] = []): CacheTrimming {
  return {
    keepManagedFieldsOwning: [LOCK_ANNOTATION],
    dropAnnotations: [LAST_APPLIED_ANNOTATION],
    dropFields,
    shareStrings: true,
  };
}

/** Which trimming of {@link cacheTrimming} each shared cache applies: the one place that says it. */
export const cachedKinds = {
  deploymentTasks: "archived",
  environments: "other",
  releases: "archived",
  changeRequests: "archived",
  approvals: "archived",
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
