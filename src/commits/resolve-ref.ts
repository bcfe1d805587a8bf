import { tmpdir } from "node:os";
import { GitError } from "./git-log.js";
import { git } from "./remote-commits.js";

/** What to resolve: a branch or tag name (or a full ref such as refs/heads/main) in a repository. */
export interface RefQuery {
  repoURL: string;
  ref: string;
  /** A git-credential-store file for HTTPS repositories. */
  credentialsFile?: string | undefined;
}

/** One advertised ref: its full name and the object it points to (for an annotated tag, the peeled commit). */
interface AdvertisedRef {
  name: string;
  commit: string;
}

/**
 * Reads what the repository advertises for its branches and tags (`git ls-remote --heads --tags`), an annotated
 * tag reported by the commit it peels to.
 */
function advertised(listing: string): AdvertisedRef[] {
  const refs = new Map<string, string>();
  for (const line of listing.split("\n")) {
    const [commit, name] = line.trim().split(/\s+/);
    if (commit === undefined || name === undefined) continue;
    if (name.endsWith("^{}")) refs.set(name.slice(0, -3), commit);
    else if (!refs.has(name)) refs.set(name, commit);
  }
  return [...refs].map(([name, commit]) => ({ name, commit }));
}

/**
 * The full commit id `ref` points to in the repository right now, read from the repository itself. A name is
 * looked up as a branch (refs/heads/) and as a tag (refs/tags/); one that is both is ambiguous and refused, as is
 * one that is neither. Fails with a {@link GitError} saying why.
 */
export async function resolveRemoteRef(query: RefQuery): Promise<string> {
  const listing = await git(
    tmpdir(),
    ["ls-remote", "--heads", "--tags", "--end-of-options", query.repoURL],
    query.credentialsFile,
  );
  const refs = advertised(listing);
  const wanted = query.ref.startsWith("refs/")
    ? [query.ref]
    : [`refs/heads/${query.ref}`, `refs/tags/${query.ref}`];
  const found = refs.filter((r) => wanted.includes(r.name));
  if (found.length === 0) {
    throw new GitError(
      `ref ${query.ref} is not in ${query.repoURL}`,
      "the repository has no branch or tag of that name",
    );
  }
  if (found.length > 1 && new Set(found.map((r) => r.commit)).size > 1) {
    throw new GitError(
      `ref ${query.ref} is ambiguous in ${query.repoURL}`,
      `both ${found.map((r) => r.name).join(" and ")} exist and point to different commits; name one in full`,
    );
  }
  const commit = (found[0] as AdvertisedRef).commit;
  if (!/^([0-9a-f]{40}|[0-9a-f]{64})$/.test(commit)) {
    throw new GitError(`ref ${query.ref} in ${query.repoURL} did not resolve`, `git reported ${commit}`);
  }
  return commit;
}
