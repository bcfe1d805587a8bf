import { EnvironmentSpec } from "../../api/v1alpha1/environment.js";
import { isGated, resolvableRef } from "../../api/v1alpha1/release-binding.js";
import type { ReleaseSpec } from "../../api/v1alpha1/release.js";
import { resolutionApplies, type ResolvedSource } from "../../api/v1alpha1/resolved-source.js";
import { repositoryAllowed, type LoadedAuthorPolicy } from "../../commits/author-policy.js";
import { GitError } from "../../commits/git-log.js";
import type { RefQuery } from "../../commits/resolve-ref.js";
import { formatTimestamp } from "../../runtime/duration.js";
import type { ObjectStore } from "../../runtime/informer/store.js";

/** Resolves a ref in a repository to a full commit; the real one runs `git ls-remote`. */
export type RefResolver = (query: RefQuery) => Promise<string>;

/** What a release's source revision resolved to, or why it could not be, for this pass. */
export interface SourceResolution {
  /** The resolution in force: kept from the status, or made in this pass. */
  resolved?: ResolvedSource | undefined;
  /** Why the ref the release names could not be resolved, naming the fix; undefined when nothing failed. */
  problem?: string | undefined;
}

/** What resolving needs: the Environments, where the operator may read git, the resolver, the clock. */
export interface ResolveDeps {
  environments: ObjectStore;
  gitAccess: LoadedAuthorPolicy | undefined;
  resolve: RefResolver;
  now: () => Date;
}

/**
 * Resolves the release's branch or tag to its commit once, when a gated Environment of its pipeline asks for it
 * (`gate.mutableRevisions: Resolve`); a resolution already recorded for the same repository and ref is kept, so
 * the commit approved never moves with the ref. The operator reads only repositories its
 * `--commit-authors-config` allows (`allowedRepositories`, with its credentials file). Never throws.
 */
export async function resolveSource(
  deps: ResolveDeps,
  spec: ReleaseSpec,
  recorded: ResolvedSource | undefined,
): Promise<SourceResolution> {
  const asked = spec.pipeline.some((name) => {
    const parsed = EnvironmentSpec.safeParse(deps.environments.get(name)?.spec);
    return parsed.success && isGated(parsed.data) && resolvableRef(parsed.data, spec) !== undefined;
  });
  if (!asked) return {};
  const ref = spec.source.revision;
  if (resolutionApplies(spec, recorded)) return { resolved: recorded };
  const { repoURL } = spec.source;
  const policy = deps.gitAccess?.policy;
  if (policy === undefined || !repositoryAllowed(policy, repoURL)) {
    return {
      problem:
        `the operator may not read ${repoURL} (spec.source.repoURL) to resolve "${ref}": add its prefix to ` +
        "allowedRepositories in the operator's --commit-authors-config file, or set spec.source.revision to " +
        "the full commit id",
    };
  }
  try {
    const commit = await deps.resolve({ repoURL, ref, credentialsFile: policy.credentialsFile });
    return { resolved: { repoURL, ref, commit, resolvedAt: formatTimestamp(deps.now()) } };
  } catch (err) {
    const said = err instanceof GitError ? `${err.message}: ${err.gitMessage}` : (err as Error).message;
    return {
      problem:
        `could not resolve "${ref}" in ${repoURL} (${said}): fix spec.source.revision or spec.source.repoURL, ` +
        "or the operator's git credentials",
    };
  }
}
