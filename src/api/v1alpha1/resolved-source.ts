import { z } from "zod";
import { FullCommit } from "./binding.js";
import { Timestamp } from "./meta.js";
import { pinnedChartTarget, type ResolvedChart } from "./resolved-chart.js";
import type { ReleaseSpec } from "./release.js";
import type { ReleaseTarget } from "./release-target.js";

/**
 * The commit a release's mutable source revision (a branch or a tag) pointed to when the operator resolved it from
 * the repository itself. Written by the operator only (status); from then on the release ships that commit and no
 * other, wherever it names the ref: a gate approves the resolved commit, never the ref.
 */
export const ResolvedSource = z
  .object({
    repoURL: z.string().describe("The repository the ref was resolved in (spec.source.repoURL at the time)."),
    ref: z.string().describe("The ref as spec.source.revision named it, for example main or v1.4.0."),
    commit: FullCommit.describe("The full commit id the ref pointed to when the operator resolved it."),
    resolvedAt: Timestamp.describe("When the operator read the ref from the repository."),
  })
  .describe(
    "The commit a branch or tag in spec.source.revision was resolved to (only where an Environment of the " +
      "pipeline sets gate.mutableRevisions: Resolve). The release ships this commit; a later move of the ref " +
      "changes nothing. Edit spec.source.revision to resolve again.",
  );
export type ResolvedSource = z.infer<typeof ResolvedSource>;

/** An abbreviated commit id: a ref of this shape is refused, since a remote cannot resolve an abbreviation. */
const ABBREVIATED_COMMIT = /^[0-9a-f]{7,39}$/;

/**
 * Why `revision` cannot be resolved on a remote, or undefined when it can: a branch or tag name (`main`,
 * `v1.4.0`, `refs/heads/main`). A full commit needs no resolving; an abbreviated one cannot be resolved by name.
 */
export function unresolvableRef(revision: string): string | undefined {
  if (FullCommit.safeParse(revision).success) return "it is already a full commit id";
  if (ABBREVIATED_COMMIT.test(revision)) {
    return `"${revision}" looks like an abbreviated commit id, which a repository cannot resolve by name: set the full commit id`;
  }
  return undefined;
}

/** Whether a resolution recorded for a release still applies to its spec: same repository, same ref. */
export function resolutionApplies(
  spec: Pick<ReleaseSpec, "source">,
  resolved: ResolvedSource | undefined,
): boolean {
  return (
    resolved !== undefined &&
    resolved.ref === spec.source.revision &&
    resolved.repoURL === spec.source.repoURL
  );
}

/**
 * The spec the release is decided and delivered by: the declared spec with the resolved ref replaced by its
 * commit, in `spec.source.revision` and in every target revision that names the same ref (not when the resolution
 * is for another ref or repository), and each HelmRelease target's chart version range replaced by the version
 * recorded for it in `charts` (see `pinnedChartTarget`). The declared spec when nothing applies. Pure.
 */
export function pinnedSpec(
  spec: ReleaseSpec,
  resolved: ResolvedSource | undefined,
  charts: readonly ResolvedChart[] = [],
): ReleaseSpec {
  const source = resolved !== undefined && resolutionApplies(spec, resolved) ? resolved : undefined;
  if (source === undefined && charts.length === 0) return spec;
  const pin = (revision: string): string =>
    source !== undefined && revision === source.ref ? source.commit : revision;
  const targets = spec.targets.map((declared): ReleaseTarget => {
    const target = pinnedChartTarget(declared, charts);
    if (target.argoCD !== undefined) {
      return { ...target, argoCD: { ...target.argoCD, revision: pin(target.argoCD.revision) } };
    }
    if (target.flux?.revision !== undefined) {
      return { ...target, flux: { ...target.flux, revision: pin(target.flux.revision) } };
    }
    return target;
  });
  return {
    ...spec,
    source: source === undefined ? spec.source : { ...spec.source, revision: source.commit },
    targets,
  };
}
