/**
 * The shapes a release's source fields must have, shared by the Release and its targets so the API server,
 * the operator and the docs name the same rule.
 */

/** A revision is one token: a commit id, a tag or a branch name never contains whitespace. */
export const NO_WHITESPACE = /^\S+$/;

/** What the API server says when a revision contains whitespace. */
export const REVISION_RULE =
  "must be one Git revision without spaces (a commit id, tag or branch): remove the whitespace";

/**
 * A Git repository location: an `https://`, `http://`, `ssh://`, `git://` or `file://` URL with something
 * after the scheme, or the scp-like `user@host:path` form (`git@github.com:acme/shop.git`). No whitespace.
 */
export const REPO_URL_PATTERN = /^((https?|ssh|git|file):\/\/\S+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\S+)$/;

/** What the API server says when a repository URL is not one. */
export const REPO_URL_RULE =
  "must be a Git repository URL such as https://git.example.com/acme/shop.git or git@git.example.com:acme/shop.git";
