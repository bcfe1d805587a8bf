import type { ReleaseSpec } from "../../api/v1alpha1/release.js";
import { repositoryAllowed, type LoadedAuthorPolicy } from "../../commits/author-policy.js";
import { GitError } from "../../commits/git-log.js";
import { readRemoteCommits, type RemoteCommits, type RemoteRange } from "../../commits/remote-commits.js";
import { adapterFor } from "../../gitops/adapters.js";
import type { CallOptions, KubeClient } from "../../runtime/kube/client.js";
import { ChangeReason } from "./reasons.js";
import type { GitAuthors } from "./separation-of-duties.js";

/** Reads a commit range from a repository; the real one runs git, tests may pass their own. */
export type RemoteReader = (range: RemoteRange) => Promise<RemoteCommits>;

/** The full commit id inside a delivery tool's revision (`abc...`, Flux `main@sha1:abc...`), if any. */
export function commitIn(revision: string | undefined): string | undefined {
  return /\b([0-9a-f]{40}|[0-9a-f]{64})\b/.exec(revision ?? "")?.[1];
}

/**
 * The commit the environment's delivery object runs now, the base of the range a change brings; undefined when
 * the release has no target there, the object does not exist or reports no commit. Read once per round.
 */
async function runningCommit(
  client: KubeClient,
  release: ReleaseSpec,
  environment: string,
  opts: CallOptions,
): Promise<string | undefined> {
  const target = release.targets.find((t) => t.environment === environment);
  if (target === undefined) return undefined;
  try {
    const observation = await adapterFor(target, { client }).observe(target, opts.signal);
    return commitIn(observation.revision);
  } catch {
    // No base only widens the range read (the whole history of the revision): more authors, never fewer.
    return undefined;
  }
}

/**
 * Reads the authors of the commits a release brings into `environment` from its real repository, as the
 * operator's author policy allows: off when no policy is configured or it does not read git; a repository
 * outside `allowedRepositories` or a failed read stops the approval with a reason naming the fix.
 */
export async function gatherGitAuthors(
  client: KubeClient,
  loaded: LoadedAuthorPolicy | undefined,
  release: ReleaseSpec,
  environment: string,
  opts: CallOptions,
  read: RemoteReader = readRemoteCommits,
): Promise<GitAuthors> {
  if (loaded === undefined || !loaded.policy.readFromGit) return { state: "off" };
  const { repoURL, revision } = release.source;
  if (!repositoryAllowed(loaded.policy, repoURL)) {
    return {
      state: "failed",
      reason: ChangeReason.RepositoryNotAllowed,
      message:
        `The operator may not read ${repoURL} (spec.source.repoURL) to learn who wrote the release: add its ` +
        "prefix to allowedRepositories in the operator's --commit-authors-config file, or fix the URL.",
    };
  }
  const base = await runningCommit(client, release, environment, opts);
  try {
    const found = await read({ repoURL, revision, base, credentialsFile: loaded.policy.credentialsFile });
    return {
      state: "read",
      repoURL,
      range: found.range,
      commits: found.commits.map((c) => ({
        sha: c.sha,
        name: c.author,
        email: c.email,
        authoredAt: c.authoredAt,
        source: "git",
      })),
    };
  } catch (err) {
    const said = err instanceof GitError ? `${err.message}: ${err.gitMessage}` : (err as Error).message;
    return {
      state: "failed",
      reason: ChangeReason.CommitAuthorsUnreadable,
      message:
        `Could not read the commits of revision ${revision} from ${repoURL} to learn who wrote them (${said}); ` +
        "fix spec.source.repoURL or spec.source.revision, or the operator's git credentials.",
    };
  }
}
