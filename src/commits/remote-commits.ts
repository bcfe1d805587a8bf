import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { GitError, readCommits } from "./git-log.js";
import type { CommitRecord } from "./work-items.js";

const run = promisify(execFile);

/** How long one fetch may take before the read fails. */
const FETCH_TIMEOUT_MS = 60_000;

/** What to read: the repository, the revision the release ships, and the revision the environment runs. */
export interface RemoteRange {
  repoURL: string;
  revision: string;
  /** The commit the environment runs now; the range is `base..revision` when the repository knows it. */
  base?: string | undefined;
  /** A git-credential-store file for HTTPS repositories. */
  credentialsFile?: string | undefined;
}

/** The commits read, and the range they came from (`<base>..<revision>` or `<revision>`, full commit ids). */
export interface RemoteCommits {
  range: string;
  commits: CommitRecord[];
}

/**
 * Options every git call of a remote read runs with: no prompts, no system or user configuration, and only the
 * network transports (never file://, ext:: or a local path), whatever the URL or a redirect says.
 */
function safetyOptions(credentialsFile: string | undefined): string[] {
  return [
    "-c",
    "protocol.allow=never",
    "-c",
    "protocol.https.allow=always",
    "-c",
    "protocol.http.allow=always",
    "-c",
    "protocol.git.allow=always",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    `credential.helper=${credentialsFile === undefined ? "" : `store --file=${credentialsFile}`}`,
  ];
}

/**
 * Runs one git command in `dir` with the safety options, a clean environment (no prompts, no system or user
 * configuration) and a timeout; fails with a {@link GitError} carrying what git printed.
 */
export async function git(dir: string, args: readonly string[], credentialsFile?: string): Promise<string> {
  try {
    const { stdout } = await run("git", [...safetyOptions(credentialsFile), "-C", dir, ...args], {
      encoding: "utf8",
      timeout: FETCH_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        GIT_TERMINAL_PROMPT: "0",
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_GLOBAL: "/dev/null",
        HOME: dir,
      },
    });
    return stdout;
  } catch (err) {
    const failure = err as Error & { stderr?: string };
    const said = (failure.stderr ?? "").trim().replace(/\s*\n\s*/g, " ");
    throw new GitError(`git ${args[0] ?? ""} failed`, said === "" ? failure.message : said, { cause: err });
  }
}

async function resolves(dir: string, revision: string): Promise<string | undefined> {
  try {
    return (
      await git(dir, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${revision}^{commit}`])
    ).trim();
  } catch {
    return undefined;
  }
}

/**
 * Fetches the branches of `repoURL` into a fresh bare repository (blobs left out where the server allows) and
 * reads the commits `revision` brings over `base` (none when the environment already runs it), all of `revision`'s history when `base` is unknown or absent,
 * which can only add authors, never drop one. The temporary repository is removed afterwards.
 */
export async function readRemoteCommits(range: RemoteRange): Promise<RemoteCommits> {
  const dir = await mkdtemp(join(tmpdir(), "stagegate-git-"));
  try {
    await git(dir, ["init", "--bare", "--quiet"]);
    await git(
      dir,
      [
        "fetch",
        "--quiet",
        "--no-tags",
        "--filter=blob:none",
        "--end-of-options",
        range.repoURL,
        "+refs/heads/*:refs/heads/*",
      ],
      range.credentialsFile,
    );
    let head = await resolves(dir, range.revision);
    if (head === undefined && /^[0-9a-f]{40}$/.test(range.revision)) {
      await git(
        dir,
        ["fetch", "--quiet", "--no-tags", "--end-of-options", range.repoURL, range.revision],
        range.credentialsFile,
      ).catch(() => "");
      head = await resolves(dir, range.revision);
    }
    if (head === undefined) {
      throw new GitError(
        `revision ${range.revision} is not in ${range.repoURL}`,
        "no branch of the repository contains it",
      );
    }
    const base = range.base === undefined ? undefined : await resolves(dir, range.base);
    const spec = base === undefined ? head : `${base}..${head}`;
    return { range: spec, commits: await readCommits(dir, spec) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
