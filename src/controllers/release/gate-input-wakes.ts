import type { Watch } from "../../runtime/controller.js";
import type { InformerEvent } from "../../runtime/informer/informer.js";
import type { ObjectStore } from "../../runtime/informer/store.js";
import { objectKey, type KubeObject } from "../../runtime/kube/object.js";
import type { ResourceType } from "../../runtime/kube/resource.js";
import { wakeOnChange } from "../wake-on-change.js";
import type { Informers } from "../informers.js";
import { deliveryResources } from "../resources.js";
import { helmReleaseSource, kustomizationSource } from "./shared-source.js";
import { RELEASES_BY_TARGET } from "./target-claims.js";
import { objectDeliveryKey } from "./target-object.js";

/** The index of Releases by their namespace, whose labels scope release freezes. */
const RELEASES_BY_NAMESPACE = "release-namespace";
/** The index of Argo CD Applications by `spec.project` (default `default`), whose AppProject's windows apply. */
const APPLICATIONS_BY_PROJECT = "argocd-project";
/** The index of Flux Kustomizations by the GitRepository (`namespace/name`) they build from. */
const KUSTOMIZATIONS_BY_SOURCE = "flux-source";

/** The AppProject fields the release's gather reads (`argoProjectWindows`). */
function projectReading(obj: KubeObject | undefined): unknown {
  const spec = obj?.spec as { syncWindows?: unknown; sourceNamespaces?: unknown } | undefined;
  return [spec?.syncWindows, spec?.sourceNamespaces];
}

function applicationProject(obj: KubeObject): string[] {
  const project = (obj.spec as { project?: unknown } | undefined)?.project;
  return [typeof project === "string" && project !== "" ? project : "default"];
}

/** The GitRepository a Kustomization or HelmRelease builds from, of the event's copy and of the one it replaced. */
function sourcesOf(event: InformerEvent, source: (obj: KubeObject) => string | undefined): Set<string> {
  return new Set([event.object, event.old].flatMap((obj) => (obj === undefined ? [] : (source(obj) ?? []))));
}

/**
 * The watches of what the Release controller reads from the caches besides its children and targets, so a change
 * of it wakes the releases it holds instead of waiting for the periodic resync (ADR 0068):
 * - a Namespace's labels, which scope release freezes: every release in it;
 * - an AppProject's sync windows (and the namespaces it serves): every release whose Argo CD target's Application
 *   names a project of that name (those of another namespace's project of the same name too, harmlessly);
 * - the GitRepository a Kustomization or HelmRelease builds from (created, deleted or changed): every release whose
 *   Kustomization target builds from it, as a source shared outside the environment holds its promotion.
 * Each wakes only when what is read changed. (No watched object's resync queues anything: the release's own resync
 * re-reads it all, see `watchPriority`.)
 */
export function gateInputWatches(informers: Informers, releases: ObjectStore): Watch[] {
  releases.addIndex(RELEASES_BY_NAMESPACE, (obj) => [obj.metadata.namespace ?? ""]);
  informers.argoCDApplications.store.addIndex(APPLICATIONS_BY_PROJECT, applicationProject);
  const kustomizations = informers.fluxKustomizations.store;
  kustomizations.addIndex(KUSTOMIZATIONS_BY_SOURCE, (obj) => {
    const source = kustomizationSource(obj);
    return source === undefined ? [] : [source];
  });
  const releasesOf = (objects: readonly KubeObject[], rt: ResourceType) =>
    objects.flatMap((obj) => releases.byIndex(RELEASES_BY_TARGET, objectDeliveryKey(obj, rt)).map(objectKey));
  /** Releases of Kustomization targets building from the GitRepository an event's object builds (or built) from. */
  const sharingSource =
    (source: (obj: KubeObject) => string | undefined) =>
    (event: InformerEvent): string[] => {
      const unchanged =
        event.type === "updated" && event.old !== undefined && source(event.old) === source(event.object);
      if (unchanged) return [];
      return [...sourcesOf(event, source)].flatMap((repository) =>
        releasesOf(
          kustomizations.byIndex(KUSTOMIZATIONS_BY_SOURCE, repository),
          deliveryResources.fluxKustomization,
        ),
      );
    };
  return [
    {
      informer: informers.namespaces,
      toKeys: wakeOnChange(
        (ns) => ns?.metadata.labels ?? {},
        (ns) => releases.byIndex(RELEASES_BY_NAMESPACE, ns.metadata.name).map(objectKey),
      ),
    },
    {
      informer: informers.argoCDProjects,
      toKeys: wakeOnChange(projectReading, (project) =>
        releasesOf(
          informers.argoCDApplications.store.byIndex(APPLICATIONS_BY_PROJECT, project.metadata.name),
          deliveryResources.argoCDApplication,
        ),
      ),
    },
    { informer: informers.fluxKustomizations, toKeys: sharingSource(kustomizationSource) },
    { informer: informers.fluxHelmReleases, toKeys: sharingSource(helmReleaseSource) },
  ];
}
