import type { EnvironmentDelivery } from "../../api/v1alpha1/environment.js";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import { describeDeliveryObject, scopeHolds, scopeOf } from "../../policy/delivery-ownership.js";
import type { KubeObject } from "../../runtime/kube/object.js";

/** The Flux objects a source may be shared with, as the caches hold them. */
export interface FluxObjects {
  kustomizations: readonly KubeObject[];
  helmReleases: readonly KubeObject[];
}

interface SourceRef {
  kind?: unknown;
  name?: unknown;
  namespace?: unknown;
}

function gitRepositoryOf(obj: KubeObject, ref: SourceRef | undefined): string | undefined {
  if (ref?.kind !== "GitRepository" || typeof ref.name !== "string") return undefined;
  const namespace = typeof ref.namespace === "string" ? ref.namespace : (obj.metadata.namespace ?? "");
  return `${namespace}/${ref.name}`;
}

/** The GitRepository (`namespace/name`) a Kustomization builds from, if that is its source. */
export function kustomizationSource(obj: KubeObject): string | undefined {
  return gitRepositoryOf(obj, (obj.spec as { sourceRef?: SourceRef } | undefined)?.sourceRef);
}

/** The GitRepository (`namespace/name`) a HelmRelease's chart comes from, if that is its source. */
export function helmReleaseSource(obj: KubeObject): string | undefined {
  const spec = obj.spec as { chart?: { spec?: { sourceRef?: SourceRef } } } | undefined;
  return gitRepositoryOf(obj, spec?.chart?.spec?.sourceRef);
}

/**
 * The GitRepository (`namespace/name`) that holds a Kustomization target's pinned commit, as `live` (its
 * Kustomization read in this pass) names it, when it lies in a namespace whose Kustomizations the environment owns:
 * only such a one is ever pinned (see {@link sharedSourceProblem}). Undefined for a target that pins no commit.
 */
export function pinnedGitRepository(
  delivery: EnvironmentDelivery | undefined,
  target: ReleaseTarget,
  live: KubeObject | undefined,
): string | undefined {
  const flux = target.flux;
  if (flux?.kind !== "Kustomization" || flux.revision === undefined || live === undefined) return undefined;
  const source = kustomizationSource(live);
  if (source === undefined) return undefined;
  const owned = scopeOf(delivery, "Kustomization")?.namespaces ?? [];
  return owned.includes(source.slice(0, source.indexOf("/"))) ? source : undefined;
}

/**
 * Why pinning a Kustomization target's GitRepository would move objects outside the environment: the GitRepository
 * lies outside the namespaces whose Kustomizations the environment owns, or another Kustomization or HelmRelease
 * built from it is not the environment's; named in a sentence with the fix. Undefined when the target pins no
 * revision or nothing outside shares its source. `live` is the target's Kustomization as read in this pass (its
 * sourceRef is what the adapter pins); the others come from the caches. Pinning a shared source would deploy to
 * other environments through the back door.
 */
export function sharedSourceProblem(
  environment: string,
  delivery: EnvironmentDelivery | undefined,
  target: ReleaseTarget,
  objects: FluxObjects,
  live: KubeObject | undefined,
): string | undefined {
  const flux = target.flux;
  if (flux?.kind !== "Kustomization" || flux.revision === undefined) return undefined;
  const self = live;
  const source = self === undefined ? undefined : kustomizationSource(self);
  if (source === undefined) return undefined;
  const sourceNamespace = source.slice(0, source.indexOf("/"));
  const owned = scopeOf(delivery, "Kustomization")?.namespaces ?? [];
  if (!owned.includes(sourceNamespace)) {
    return (
      `Pinning GitRepository ${source} for ${environment} would write to namespace ${sourceNamespace}, whose ` +
      `Kustomizations environment ${environment} does not own: give the target a GitRepository in one of ` +
      `[${owned.join(", ")}], or remove flux.revision.`
    );
  }
  const outside = [
    ...objects.kustomizations
      .filter(
        (k) =>
          !(k.metadata.namespace === flux.namespace && k.metadata.name === flux.name) &&
          kustomizationSource(k) === source,
      )
      .map((k) => ({ obj: k, kind: "Kustomization" as const })),
    ...objects.helmReleases
      .filter((h) => helmReleaseSource(h) === source)
      .map((h) => ({ obj: h, kind: "HelmRelease" as const })),
  ].filter(({ obj, kind }) => {
    const view = {
      kind,
      namespace: obj.metadata.namespace ?? "",
      name: obj.metadata.name,
      labels: obj.metadata.labels ?? {},
    };
    return !scopeHolds(scopeOf(delivery, kind), view);
  });
  if (outside.length === 0) return undefined;
  const names = outside
    .map(({ obj, kind }) =>
      describeDeliveryObject({ kind, namespace: obj.metadata.namespace ?? "", name: obj.metadata.name }),
    )
    .join(", ");
  return (
    `Pinning GitRepository ${source} for ${environment} would also move ${names}, which environment ` +
    `${environment} does not own: give the target a GitRepository of its own, or remove flux.revision.`
  );
}
