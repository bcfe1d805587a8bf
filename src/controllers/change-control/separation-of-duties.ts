import type { ExcludedApprover } from "../../api/v1alpha1/approval.js";
import type { GateBinding } from "../../api/v1alpha1/binding.js";
import type { Requester } from "../../api/v1alpha1/change-request.js";
import type { Commit } from "../../api/v1alpha1/release.js";
import type { LoadedAuthorPolicy } from "../../commits/author-policy.js";
import { ChangeReason } from "./reasons.js";

/** One commit's author, from the Release's spec or from the repository. */
export interface AuthoredCommit {
  sha: string;
  name: string;
  email?: string | undefined;
  /** The author date git records; only for commits read from the repository. */
  authoredAt?: string | undefined;
  /** `git` when the operator read it from the repository; `spec` when only the Release declares it. */
  source: "git" | "spec";
}

/** What the operator learned from the repository before opening the Approval. */
export type GitAuthors =
  | { state: "off" }
  | { state: "read"; repoURL: string; range: string; commits: readonly AuthoredCommit[] }
  | { state: "failed"; reason: ChangeReason; message: string };

/** Everyone separation of duties must consider for one change. */
export interface DutyInput {
  requester: Requester | undefined;
  /** The release's declarer and earlier declarers of its revision (`spec.declaredBy`). */
  declarers: readonly string[];
  /** `spec.source.commits`: may add authors, never remove the ones git reports. */
  declaredCommits: readonly Commit[];
  git: GitAuthors;
  /** The configured mapping of git identities to Kubernetes users; undefined compares e-mails as user names. */
  identities: LoadedAuthorPolicy | undefined;
}

/** Who may not decide, and how authors were resolved (for the audit trail); or why nobody can be let decide yet. */
export type DutyResult =
  | {
      ok: true;
      excluded: ExcludedApprover[];
      /** Author e-mail -> Kubernetes user, for each author the mapping resolved. */
      mapped: Record<string, string>;
      /** Authors the mapping did not know (only under `unmappedAuthors: Allow`). */
      unmapped: string[];
    }
  | { ok: false; reason: ChangeReason; message: string };

interface Entry {
  user: string;
  reasons: string[];
  shas: string[];
}

/** Every commit once, by full sha: git's record first, the spec's only where git has none. */
function allCommits(input: DutyInput): AuthoredCommit[] {
  const fromGit = input.git.state === "read" ? input.git.commits : [];
  const seen = new Set(fromGit.map((c) => `${c.sha}|${(c.email ?? c.name).toLowerCase()}`));
  const declared = input.declaredCommits
    .map((c): AuthoredCommit => ({ sha: c.sha, name: c.author.name, email: c.author.email, source: "spec" }))
    .filter((c) => !seen.has(`${c.sha}|${(c.email ?? c.name).toLowerCase()}`));
  return [...fromGit, ...declared];
}

/**
 * The people separation of duties bars from deciding: the requester, every declarer of the release's revision,
 * and every commit author (from git when it was read, plus whatever the spec declares) by their mapped Kubernetes
 * user name and, as before, by their raw e-mail and name. Each once, compared case-insensitively. Under
 * `unmappedAuthors: Deny`, an author the mapping does not know stops the approval with a reason naming them and
 * the fix; a failed git read stops it too. Pure.
 */
export function barredPeople(input: DutyInput): DutyResult {
  if (input.git.state === "failed") {
    return { ok: false, reason: input.git.reason, message: input.git.message };
  }
  const entries = new Map<string, Entry>();
  const add = (user: string | undefined, reason: string, sha?: string): void => {
    if (user === undefined || user.trim() === "") return;
    const key = user.toLowerCase();
    const entry = entries.get(key) ?? { user, reasons: [], shas: [] };
    if (reason !== "" && !entry.reasons.includes(reason)) entry.reasons.push(reason);
    if (sha !== undefined && !entry.shas.includes(sha)) entry.shas.push(sha);
    entries.set(key, entry);
  };
  add(input.requester?.username, "requested the change");
  input.declarers.forEach((user, i) =>
    add(user, i === 0 ? "declared the release" : "declared the release earlier"),
  );
  const mapped: Record<string, string> = {};
  const unmapped = new Set<string>();
  for (const commit of allCommits(input)) {
    const sha = commit.sha.slice(0, 7);
    add(commit.email, "", sha);
    add(commit.name, "", sha);
    if (input.identities === undefined) continue;
    const email = commit.email?.toLowerCase();
    const user = email === undefined ? undefined : input.identities.users.get(email);
    if (user === undefined) {
      unmapped.add(commit.email ?? commit.name);
      continue;
    }
    mapped[email ?? ""] = user;
    add(user, `mapped from git author ${commit.email ?? ""}`, sha);
  }
  if (unmapped.size > 0 && input.identities?.policy.unmappedAuthors === "Deny") {
    const who = [...unmapped].sort();
    return {
      ok: false,
      reason: ChangeReason.UnmappedCommitAuthor,
      message:
        `Commit ${who.length === 1 ? "author" : "authors"} ${who.join(", ")} ${who.length === 1 ? "maps" : "map"} ` +
        "to no Kubernetes user, and unmappedAuthors is Deny, so separation of duties cannot be checked: add " +
        "each to identities in the operator's --commit-authors-config file (git e-mail: user name).",
    };
  }
  const excluded = [...entries.values()].map(({ user, reasons, shas }) => ({
    user,
    reason: [...reasons, authored(shas)].filter((r) => r !== "").join(" and "),
  }));
  return { ok: true, excluded, mapped, unmapped: [...unmapped].sort() };
}

function authored(shas: readonly string[]): string {
  if (shas.length === 0) return "";
  const shown = shas.slice(0, 3).join(", ");
  const more = shas.length > 3 ? ` and ${shas.length - 3} more` : "";
  return `authored ${shas.length === 1 ? "commit" : "commits"} ${shown}${more}`;
}

/**
 * Why the Release found by name cannot speak for a change bound to another release (deleted and re-created under
 * the same name, so its declarer is someone else's); undefined when the change carries no binding or it matches.
 */
export function releaseBindingMismatch(
  binding: GateBinding | undefined,
  release: { name: string; uid: string | undefined },
): string | undefined {
  const bound = binding?.release.uid;
  if (bound === undefined || bound === release.uid) return undefined;
  return (
    `Release ${release.name} (uid ${release.uid ?? "none"}) is not the release this change is bound to ` +
    `(uid ${bound}): it was deleted and re-created, so who declared it says nothing about this change; open a ` +
    "new change for the new release."
  );
}
