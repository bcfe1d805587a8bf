/** The shape of a work item key a commit must name when no --pattern is given: a project key and a number. */
export const DEFAULT_WORK_ITEM_PATTERN = "[A-Z][A-Z0-9]+-[0-9]+";

/** One commit as read from git history: what the check looks at and what a report names. */
export interface CommitRecord {
  readonly sha: string;
  readonly shortSha: string;
  readonly author: string;
  readonly email: string;
  /** When the author wrote it (the author date, as git records it), in UTC. */
  readonly authoredAt?: string;
  readonly subject: string;
  readonly body: string;
  /** Whether the commit has more than one parent. */
  readonly merge: boolean;
}

/** A commit with the work items its message names; `skipped` marks a merge exempted by `skipMerges`. */
export interface CheckedCommit {
  readonly commit: CommitRecord;
  readonly items: readonly string[];
  readonly skipped: boolean;
}

/** The verdict on a range: every commit with its items, and the commits that name none and are not skipped. */
export interface WorkItemCheck {
  readonly commits: readonly CheckedCommit[];
  readonly missing: readonly CommitRecord[];
}

/** How {@link checkCommits} decides: the work item pattern and whether merge commits are exempt. */
export interface WorkItemPolicy {
  readonly pattern: RegExp;
  readonly skipMerges: boolean;
}

/**
 * Compiles a work item pattern (case-sensitive, so `abc-123` does not match the default). Throws the engine's
 * SyntaxError for an invalid expression; the caller names the flag it came from.
 */
export function compileWorkItemPattern(source: string): RegExp {
  return new RegExp(source, "g");
}

/** Every distinct work item the text names, in the order they first appear; empty matches never count. */
export function findWorkItems(text: string, pattern: RegExp): string[] {
  const global = pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`);
  const items = [...text.matchAll(global)].map((match) => match[0]).filter((item) => item !== "");
  return [...new Set(items)];
}

/**
 * Checks each commit for a work item in its subject or body. A commit that names none is missing, unless it
 * is a merge and the policy skips merges. Pure: the same commits and policy always give the same verdict.
 */
export function checkCommits(commits: readonly CommitRecord[], policy: WorkItemPolicy): WorkItemCheck {
  const checked = commits.map((commit) => ({
    commit,
    items: findWorkItems(`${commit.subject}\n${commit.body}`, policy.pattern),
    skipped: commit.merge && policy.skipMerges,
  }));
  return {
    commits: checked,
    missing: checked.filter((c) => c.items.length === 0 && !c.skipped).map((c) => c.commit),
  };
}
