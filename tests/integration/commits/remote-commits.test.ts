// The operator's git read against real repositories on loopback: anonymous git://, and HTTP behind basic
// authentication with a git-credential-store file (as a mounted Secret provides it).
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { GitError } from "../../../src/commits/git-log.js";
import { readRemoteCommits } from "../../../src/commits/remote-commits.js";
import { serveGitRepository, type GitServer } from "../../support/git-server.js";

const CREDENTIALS = { username: "stagegate", password: "s3cret-token" };

describe("reading commit authors from a real repository", () => {
  let git: GitServer;
  let dir: string;

  before(async () => {
    git = await serveGitRepository(
      "payments",
      [
        { name: "Ann", email: "ann@example.com", message: "one" },
        { name: "Ben", email: "ben@example.com", message: "two" },
        { name: "Cid", email: "cid@example.com", message: "three" },
      ],
      { http: CREDENTIALS },
    );
    dir = await mkdtemp(join(tmpdir(), "stagegate-creds-"));
  });

  after(async () => {
    await git.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("reads the commits a revision brings over the environment's commit", async () => {
    const [one, , three] = git.shas;
    const read = await readRemoteCommits({ repoURL: git.url, revision: three ?? "", base: one });
    assert.equal(read.range, `${one}..${three}`);
    assert.deepEqual(
      read.commits.map((c) => c.email),
      ["cid@example.com", "ben@example.com"],
    );
  });

  it("reads the revision's whole history when the base is unknown to the repository", async () => {
    const read = await readRemoteCommits({ repoURL: git.url, revision: "main", base: "f".repeat(40) });
    assert.equal(read.range, git.shas[2]);
    assert.deepEqual(
      read.commits.map((c) => c.author),
      ["Cid", "Ben", "Ann"],
    );
  });

  it("authenticates over HTTP with the credentials file", async () => {
    const file = join(dir, "credentials");
    const url = new URL(git.httpUrl ?? "");
    await writeFile(file, `http://${CREDENTIALS.username}:${CREDENTIALS.password}@${url.host}\n`, {
      mode: 0o600,
    });
    const read = await readRemoteCommits({
      repoURL: git.httpUrl ?? "",
      revision: git.shas[1] ?? "",
      credentialsFile: file,
    });
    assert.deepEqual(
      read.commits.map((c) => c.author),
      ["Ben", "Ann"],
    );
  });

  it("fails, without prompting, when the server wants credentials the operator does not have", async () => {
    await assert.rejects(
      readRemoteCommits({ repoURL: git.httpUrl ?? "", revision: "main" }),
      (err: unknown) =>
        err instanceof GitError && /Authentication failed|could not read Username/i.test(err.gitMessage),
    );
  });

  it("fails for a revision the repository does not have", async () => {
    await assert.rejects(
      readRemoteCommits({ repoURL: git.url, revision: "a".repeat(40) }),
      (err: unknown) => err instanceof GitError && /is not in/.test(err.message),
    );
  });

  it("refuses local transports whatever the URL says", async () => {
    await assert.rejects(
      readRemoteCommits({ repoURL: `file://${dir}`, revision: "main" }),
      (err: unknown) => err instanceof GitError && /transport 'file' not allowed/.test(err.gitMessage),
    );
  });
});
