// Resolving a branch or tag to its commit against a real repository on loopback (git daemon, and HTTP behind basic
// authentication with a git-credential-store file), as the operator does for gate.mutableRevisions: Resolve.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GitError } from "../../../src/commits/git-log.js";
import { resolveRemoteRef } from "../../../src/commits/resolve-ref.js";
import { serveGitRepository, type GitServer } from "../../support/git-server.js";

const CREDENTIALS = { username: "stagegate", password: "s3cret-token" };

describe("resolving a ref in a real repository", () => {
  let git: GitServer;
  let dir: string;

  before(async () => {
    git = await serveGitRepository(
      "checkout",
      [
        { name: "Ann", email: "ann@example.com", message: "one" },
        { name: "Ben", email: "ben@example.com", message: "two" },
        { name: "Cid", email: "cid@example.com", message: "three", branch: "release-1" },
      ],
      { http: CREDENTIALS },
    );
    await git.tag("v1.0.0", git.shas[0] ?? "");
    // A tag and a branch of the same name pointing to different commits: ambiguous.
    await git.tag("release-1", git.shas[1] ?? "");
    dir = await mkdtemp(join(tmpdir(), "stagegate-resolve-"));
  });
  after(async () => {
    await git.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("resolves a branch to its tip, a tag to its commit, a full ref name exactly", async () => {
    assert.equal(await resolveRemoteRef({ repoURL: git.url, ref: "main" }), git.shas[1]);
    assert.equal(await resolveRemoteRef({ repoURL: git.url, ref: "v1.0.0" }), git.shas[0]);
    assert.equal(await resolveRemoteRef({ repoURL: git.url, ref: "refs/heads/release-1" }), git.shas[2]);
    assert.equal(await resolveRemoteRef({ repoURL: git.url, ref: "refs/tags/release-1" }), git.shas[1]);
  });

  it("follows the branch when it moves", async () => {
    const moved = await git.advance({ name: "Dee", email: "dee@example.com", message: "four" });
    assert.equal(await resolveRemoteRef({ repoURL: git.url, ref: "main" }), moved);
  });

  it("refuses a name that is a branch and a tag of different commits, and one that is neither", async () => {
    await assert.rejects(
      resolveRemoteRef({ repoURL: git.url, ref: "release-1" }),
      (err: unknown) =>
        err instanceof GitError &&
        /ambiguous/.test(err.message) &&
        /refs\/heads\/release-1 and refs\/tags\/release-1/.test(err.gitMessage),
    );
    await assert.rejects(
      resolveRemoteRef({ repoURL: git.url, ref: "nope" }),
      (err: unknown) => err instanceof GitError && /no branch or tag of that name/.test(err.gitMessage),
    );
  });

  it("reads over HTTP with the credentials file, and fails clearly without it", async () => {
    const url = git.httpUrl ?? "";
    const file = join(dir, "credentials");
    await writeFile(
      file,
      `http://${CREDENTIALS.username}:${CREDENTIALS.password}@127.0.0.1:${new URL(url).port}\n`,
    );
    assert.equal(await resolveRemoteRef({ repoURL: url, ref: "v1.0.0", credentialsFile: file }), git.shas[0]);
    await assert.rejects(
      resolveRemoteRef({ repoURL: url, ref: "v1.0.0" }),
      (err: unknown) => err instanceof GitError && /ls-remote/.test(err.message),
    );
  });

  it("never reads a local path, whatever the URL says", async () => {
    await assert.rejects(
      resolveRemoteRef({ repoURL: dir, ref: "main" }),
      (err: unknown) => err instanceof GitError,
    );
  });
});
