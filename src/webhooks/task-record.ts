import { jsonEqual } from "../runtime/deep-equal.js";
import type { JsonPatchOperation, UserInfo } from "./admission-review.js";
import { decisionTime, jsonPointer, stampedNow } from "./stamping.js";
import { quoted } from "./task-evidence.js";
import type { TaskView } from "./task-view.js";
import { ALLOWED, deny, type Verdict } from "./verdict.js";

/**
 * The annotations in which the operator keeps its own record of how it handles a task: the seal that proves it
 * opened a Rollback task (`stagegate.io/rollback-seal`, with the origin and policy it binds), the step it took
 * (`stagegate.io/rollback`, `-started-at`, `-policy-noted`), the validation's verdict and the task it validates
 * (`stagegate.io/rollback-validation`, `-task`), and the drift check's last verdict (`stagegate.io/drift-check`).
 * Each decides what the operator does next: stripping a seal makes the operator refuse its own task (no rollback,
 * the environment not held), a step typed in makes it believe the step was taken. So on a stored task only the
 * operator sets, changes or removes them (ADR 0064).
 */
export function isOperatorMark(key: string): boolean {
  return (
    key === "stagegate.io/rollback" ||
    key.startsWith("stagegate.io/rollback-") ||
    key === "stagegate.io/drift-check"
  );
}

const marksOf = (task: TaskView): [string, string][] =>
  Object.entries(task.metadata.annotations ?? {})
    .filter(([key]) => isOperatorMark(key))
    .sort(([a], [b]) => (a < b ? -1 : 1));

/** A person's change to a stored task leaves the operator's marks as they were (see {@link isOperatorMark}). */
export function operatorMarksKept({
  before,
  after,
}: {
  before?: TaskView | undefined;
  after: TaskView;
}): Verdict {
  if (before === undefined) return ALLOWED;
  const was = new Map(marksOf(before));
  const now = new Map(marksOf(after));
  const changed = [...new Set([...was.keys(), ...now.keys()])]
    .filter((key) => was.get(key) !== now.get(key))
    .sort();
  if (changed.length === 0) return ALLOWED;
  const fields = changed.map((key) => `metadata.annotations[${key}]`).join(", ");
  return deny(
    "OperatorMarkReserved",
    `${fields} ${changed.length === 1 ? "is" : "are"} Stagegate's record of how it handles this task (the seal ` +
      "that proves it opened it, the step it took, a check's verdict); only Stagegate sets, changes or removes " +
      "them. Leave them as they are; to say something about the task, add an entry to spec.log.",
  );
}

/** A log entry as far as its stamps go; anything else is the schema's to judge. */
function stampsOf(entry: unknown): { author?: unknown; time?: unknown } {
  return typeof entry === "object" && entry !== null && !Array.isArray(entry) ? entry : {};
}

/** How many entries of the stored log `after` keeps as they were, in order (all of them when the log only grew). */
function keptEntries(before: readonly unknown[], after: readonly unknown[]): number {
  let kept = 0;
  while (kept < before.length && kept < after.length && jsonEqual(before[kept], after[kept])) kept++;
  return kept;
}

/** An entry without its stamps: what its writer said, to compare a manifest's copy with the stored one. */
function unstamped(entry: unknown): unknown {
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return entry;
  const { author: _author, time: _time, ...said } = entry as Record<string, unknown>;
  return said;
}

/**
 * The log a write declares from a manifest, read against the stored one: a write whose entries all come without
 * stamps (as a GitOps repository declares them, applied again and again with server-side apply) names the entries
 * its writer wants on record. Each that matches a stored entry the same user wrote (the same words, kind and
 * measurement) is that entry; the others are new and go after the stored log. Every stored entry is kept, so a
 * re-applied manifest changes nothing and one that gained an entry appends it. Undefined for any other write, which
 * must keep the stored log as it is (ADR 0064).
 */
function declaredLog(
  stored: readonly unknown[],
  log: readonly unknown[],
  user: Pick<UserInfo, "username">,
): unknown[] | undefined {
  if (stored.length === 0 || log.length === 0) return undefined;
  if (log.some((entry) => stampsOf(entry).author !== undefined || stampsOf(entry).time !== undefined)) {
    return undefined;
  }
  const matched = new Set<number>();
  const added = log.filter((entry) => {
    const said = unstamped(entry);
    const index = stored.findIndex(
      (candidate, at) =>
        !matched.has(at) &&
        stampsOf(candidate).author === user.username &&
        jsonEqual(unstamped(candidate), said),
    );
    if (index < 0) return true;
    matched.add(index);
    return false;
  });
  return [...stored, ...added];
}

/**
 * The mutating webhook's stamps on the log entries a person adds: `author` is the authenticated user name and `time`
 * the server's, whatever was typed (as for a completed item, ADR 0010). Entries past the stored log are the new
 * ones; a log declared by a manifest is read as {@link declaredLog} says; a request that rewrote the stored log is
 * left for the validating webhook to refuse.
 */
export function logStampPatch(
  before: TaskView | undefined,
  after: TaskView,
  user: Pick<UserInfo, "username">,
  now: Date,
): JsonPatchOperation[] {
  const stored = before?.spec.log ?? [];
  const declared = declaredLog(stored, after.spec.log, user);
  const log = declared ?? after.spec.log;
  if (keptEntries(stored, log) < stored.length) return [];
  const time = decisionTime(now);
  let changed = declared !== undefined;
  const stamped = log.map((entry, index) => {
    const { author, time: at } = stampsOf(entry);
    if (index < stored.length || (author === user.username && at === time)) return entry;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return entry;
    changed = true;
    return { ...entry, author: user.username, time };
  });
  return changed ? [{ op: "add", path: jsonPointer("spec", "log"), value: stamped }] : [];
}

/**
 * A task's log is a record: a person adds entries at its end, each signed with their own user name at the server's
 * time, and never changes or removes one (the operator's notices, a verification's measurements, anyone's comment).
 */
export function logKept({
  before,
  after,
  user,
  now,
}: {
  before?: TaskView | undefined;
  after: TaskView;
  user: Pick<UserInfo, "username">;
  now: Date;
}): Verdict {
  const stored = before?.spec.log ?? [];
  const log = after.spec.log;
  const kept = keptEntries(stored, log);
  if (kept < stored.length) {
    return deny(
      "LogRewritten",
      `spec.log[${kept}] was ${kept < log.length ? "changed" : "removed"}: a task's log only grows, so every entry ` +
        `stays as it was written. Send the ${stored.length} stored entries unchanged and add yours after them.`,
    );
  }
  for (let index = stored.length; index < log.length; index++) {
    const { author, time } = stampsOf(log[index]);
    if (author !== user.username || !stampedNow(time, now)) {
      return deny(
        "LogEntryForged",
        `spec.log[${index}] is signed ${quoted(author ?? "missing")} at ${quoted(time ?? "missing")}, not ` +
          `${user.username} at the server's time; the server stamps both on the entries you add, so leave ` +
          "author and time to it.",
      );
    }
  }
  return ALLOWED;
}
