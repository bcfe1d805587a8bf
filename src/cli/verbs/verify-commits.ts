import { z } from "zod";
import {
  GitNotFoundError,
  NotAGitRepositoryError,
  UnknownRangeError,
  readCommits,
} from "../../commits/git-log.js";
import {
  DEFAULT_WORK_ITEM_PATTERN,
  checkCommits,
  compileWorkItemPattern,
  type CheckedCommit,
  type WorkItemCheck,
} from "../../commits/work-items.js";
import { CommandError, UsageError } from "../errors.js";
import {
  expectPositionals,
  formatFlags,
  parseVerbArgs,
  validateFlags,
  type GlobalOptions,
} from "../flags.js";
import { writeJson } from "../output.js";
import { EXIT, type Verb } from "../verb.js";

const FLAGS = {
  pattern: {
    type: "string",
    value: "REGEX",
    help: `work item reference, a JavaScript regex (default ${DEFAULT_WORK_ITEM_PATTERN})`,
  },
  repo: { type: "string", value: "DIR", help: "the git repository to read (default: the current directory)" },
  "skip-merges": { type: "boolean", help: "do not require merge commits to reference a work item" },
} as const;

/** Whether a pattern compiles; its engine message is kept for the usage error. */
function patternProblem(source: string): string | undefined {
  try {
    return compileWorkItemPattern(source).test("") ? "it matches the empty string" : undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const VerifyCommitsFlags = z.object({
  range: z
    .string()
    .min(1, "RANGE must name commits, e.g. origin/release..HEAD")
    .refine((range) => !range.startsWith("-"), "RANGE must be a revision range such as A..B, not a flag"),
  pattern: z
    .string()
    .min(1, "--pattern must not be empty; omit it to use the default " + DEFAULT_WORK_ITEM_PATTERN)
    .superRefine((source, ctx) => {
      const problem = patternProblem(source);
      if (problem !== undefined) {
        ctx.addIssue({
          code: "custom",
          message: `--pattern ${JSON.stringify(source)} is not a usable regular expression (${problem}); write one such as ${DEFAULT_WORK_ITEM_PATTERN}`,
        });
      }
    }),
  repo: z.string().min(1, "--repo must name a directory, e.g. --repo ."),
  skipMerges: z.boolean(),
});

/** Options of `stagegate verify-commits`. */
export type VerifyCommitsOptions = GlobalOptions & z.infer<typeof VerifyCommitsFlags>;

/** One commit as `-o json` prints it. */
interface CommitReport {
  sha: string;
  author: string;
  subject: string;
  items: string[];
  merge: boolean;
  skipped: boolean;
}

/** The `-o json` document: the range, the pattern, every commit with its items and the shas that name none. */
export interface VerifyCommitsReport {
  range: string;
  pattern: string;
  skipMerges: boolean;
  commits: CommitReport[];
  missing: string[];
}

/** Turns a check into the `-o json` document. */
export function reportCheck(options: VerifyCommitsOptions, check: WorkItemCheck): VerifyCommitsReport {
  return {
    range: options.range,
    pattern: options.pattern,
    skipMerges: options.skipMerges,
    commits: check.commits.map(({ commit, items, skipped }) => ({
      sha: commit.sha,
      author: `${commit.author} <${commit.email}>`,
      subject: commit.subject,
      items: [...items],
      merge: commit.merge,
      skipped,
    })),
    missing: check.missing.map((commit) => commit.sha),
  };
}

/** One line per commit: short sha, its items (or why it has none) and the subject. */
function commitLine({ commit, items, skipped }: CheckedCommit): string {
  const label = items.length > 0 ? items.join(", ") : skipped ? "(merge, skipped)" : "(none)";
  return `  ${commit.shortSha}  ${label}  ${commit.subject}`;
}

/** The text report: a summary line, then the failing commits, or every commit with its items. */
export function formatCheck(options: VerifyCommitsOptions, check: WorkItemCheck): string {
  const total = check.commits.length;
  const commits = `${total} commit${total === 1 ? "" : "s"}`;
  const where = `in ${options.range} (pattern ${options.pattern})`;
  if (total === 0) return `No commits ${where}; nothing to verify.\n`;
  if (check.missing.length === 0) {
    return (
      [`All ${commits} ${where} reference a work item:`, ...check.commits.map(commitLine)].join("\n") + "\n"
    );
  }
  const failing = check.commits.filter(({ commit }) => check.missing.includes(commit));
  return (
    [
      `${check.missing.length} of ${commits} ${where} reference no work item:`,
      ...failing.map(
        ({ commit }) => `  ${commit.shortSha}  ${commit.subject}  (${commit.author} <${commit.email}>)`,
      ),
      "Name the work item (e.g. ABC-123) in each commit's subject or body, e.g. with git rebase -i, and push again.",
    ].join("\n") + "\n"
  );
}

/**
 * `stagegate verify-commits RANGE`: reads the commits of a range with git and fails when one of them references
 * no work item. Exit 0 when every commit names one, 1 when some do not, 2 on a bad flag, range or repository.
 */
export const verifyCommitsVerb: Verb<VerifyCommitsOptions> = {
  name: "verify-commits",
  summary: "Check that every commit of a range references a work item (e.g. ABC-123)",
  usage: [
    "Usage: stagegate verify-commits RANGE [--pattern REGEX] [--repo DIR] [--skip-merges] [-o json]",
    "",
    "Reads the commits of RANGE (anything git log takes, e.g. origin/release..HEAD) with git and checks that",
    "each one references a work item matching --pattern in its subject or body; the match is case-sensitive.",
    "Merge commits are checked like any other unless --skip-merges is given. Run it in CI before merging to a",
    "release branch. Exit code 0 when every commit references a work item, 1 when some do not (each is",
    "listed), 2 when a flag, RANGE or the repository is wrong. Needs no cluster.",
    "",
    formatFlags(FLAGS),
    "",
    "Example:",
    "  stagegate verify-commits origin/release/2.14..HEAD --pattern '(PAY|OPS)-[0-9]+'",
  ].join("\n"),

  parse(argv, env) {
    const { global, values, positionals } = parseVerbArgs("verify-commits", argv, env, FLAGS);
    const [range = ""] = expectPositionals(positionals, ["RANGE"]);
    const flags = validateFlags(VerifyCommitsFlags, {
      range,
      pattern: values.pattern ?? DEFAULT_WORK_ITEM_PATTERN,
      repo: values.repo ?? ".",
      skipMerges: values["skip-merges"] === true,
    });
    return { ...global, ...flags };
  },

  async run(options, io) {
    let check: WorkItemCheck;
    try {
      const commits = await readCommits(options.repo, options.range);
      check = checkCommits(commits, {
        pattern: compileWorkItemPattern(options.pattern),
        skipMerges: options.skipMerges,
      });
    } catch (err) {
      if (err instanceof NotAGitRepositoryError) {
        throw new UsageError(`--repo ${options.repo} is not a git repository: ${err.gitMessage}`);
      }
      if (err instanceof UnknownRangeError) {
        throw new UsageError(
          `RANGE ${options.range} is not known to git in ${options.repo}: ${err.gitMessage} ` +
            "(check the refs exist; a shallow CI clone may need the full history, e.g. fetch-depth: 0).",
        );
      }
      if (err instanceof GitNotFoundError) throw new CommandError(err.message, { cause: err });
      throw err;
    }
    if (options.output === "json") writeJson(io, reportCheck(options, check));
    else io.stdout(formatCheck(options, check));
    return check.missing.length === 0 ? EXIT.ok : EXIT.failed;
  },
};
