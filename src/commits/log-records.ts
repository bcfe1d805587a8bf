import type { CommitRecord } from "./work-items.js";

const FIELD = "\x1f";
const RECORD = "\x1e";

/**
 * The `git log --format` that {@link parseGitLog} reads: full sha, abbreviated sha, parents, author name, author
 * e-mail, author date (strict ISO 8601), subject and body, separated by control characters that do not occur in
 * commit messages.
 */
export const GIT_LOG_FORMAT = ["%H", "%h", "%P", "%an", "%ae", "%aI", "%s", "%b"].join("%x1f") + "%x1e";

/** The output of `git log` did not have the fields {@link GIT_LOG_FORMAT} asks for. */
export class GitLogFormatError extends Error {
  override readonly name = "GitLogFormatError";
}

/** Parses `git log --format=GIT_LOG_FORMAT` output into commits, newest first as git printed them. */
export function parseGitLog(output: string): CommitRecord[] {
  return output
    .split(RECORD)
    .map((record) => record.replace(/^\n/, ""))
    .filter((record) => record !== "")
    .map((record) => {
      const fields = record.split(FIELD);
      if (fields.length !== 8) {
        throw new GitLogFormatError(`git log printed a record with ${fields.length} fields, expected 8.`);
      }
      const [
        sha = "",
        shortSha = "",
        parents = "",
        author = "",
        email = "",
        date = "",
        subject = "",
        body = "",
      ] = fields;
      const authored = Date.parse(date);
      return {
        sha,
        shortSha,
        author,
        email,
        ...(Number.isNaN(authored) ? {} : { authoredAt: new Date(authored).toISOString() }),
        subject,
        body: body.trimEnd(),
        merge: parents.split(" ").filter((p) => p !== "").length > 1,
      };
    });
}
