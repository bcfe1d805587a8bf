import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { GIT_LOG_FORMAT, parseGitLog } from "./log-records.js";
import type { CommitRecord } from "./work-items.js";

const run = promisify(execFile);

/** Enough for the history of a long-lived release branch; a range larger than this is a mistake. */
const MAX_LOG_BYTES = 256 * 1024 * 1024;

/** A git invocation failed; `gitMessage` is what git printed on stderr, for the user to read. */
export class GitError extends Error {
  override readonly name: string = "GitError";

  constructor(
    message: string,
    readonly gitMessage: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The directory does not exist, is not a git repository, or git refuses to read it (e.g. dubious ownership). */
export class NotAGitRepositoryError extends GitError {
  override readonly name = "NotAGitRepositoryError";
}

/** git does not know the range (a missing ref, a typo, or history a shallow clone has not fetched). */
export class UnknownRangeError extends GitError {
  override readonly name = "UnknownRangeError";
}

/** The `git` binary could not be started at all. */
export class GitNotFoundError extends Error {
  override readonly name = "GitNotFoundError";
}

interface ExecFailure {
  code?: number | string;
  stderr?: string;
  message: string;
}

/** Runs git in `repo`; a failure keeps git's own stderr, and a missing binary becomes GitNotFoundError. */
async function git(
  repo: string,
  args: readonly string[],
): Promise<{ ok: true; stdout: string } | ExecFailure> {
  try {
    const { stdout } = await run("git", ["-C", repo, ...args], {
      maxBuffer: MAX_LOG_BYTES,
      encoding: "utf8",
    });
    return { ok: true, stdout };
  } catch (err) {
    const failure = err as ExecFailure & Error;
    if (failure.code === "ENOENT") {
      throw new GitNotFoundError("could not run git: is it installed and on PATH?", { cause: err });
    }
    if (typeof failure.code !== "number") throw err;
    return failure;
  }
}

/** git's stderr as one line, or the process error when git printed nothing. */
function gitSaid(failure: ExecFailure): string {
  const said = (failure.stderr ?? "").trim().replace(/\s*\n\s*/g, " ");
  return said === "" ? failure.message : said;
}

/**
 * Reads the commits of `range` (anything `git log` takes, e.g. `origin/release..HEAD`) from the repository at
 * `repo` with the `git` binary, newest first. The only place Stagegate runs git.
 */
export async function readCommits(repo: string, range: string): Promise<CommitRecord[]> {
  const probe = await git(repo, ["rev-parse", "--git-dir"]);
  if (!("ok" in probe)) {
    throw new NotAGitRepositoryError(`${repo} is not a git repository`, gitSaid(probe));
  }
  const log = await git(repo, [
    // A user's log.showSignature would mix gpg output into the records.
    "-c",
    "log.showSignature=false",
    "log",
    "--no-decorate",
    "--no-color",
    `--format=${GIT_LOG_FORMAT}`,
    "--end-of-options",
    range,
    "--",
  ]);
  if (!("ok" in log)) throw new UnknownRangeError(`git does not know the range ${range}`, gitSaid(log));
  return parseGitLog(log.stdout);
}
