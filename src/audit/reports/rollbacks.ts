import type { StoredAuditEntry } from "../entry.js";
import { detail, objectKey, releaseOf, textOf } from "./details.js";

/** One Rollback task's story: what opened it, what it rolled back, and how it ended. */
export interface RollbackStory {
  task: string;
  release: string | undefined;
  environment: string | undefined;
  openedAt: string | undefined;
  openedBy: string | undefined;
  trigger: string;
  policy: string | undefined;
  from: string | undefined;
  to: string | undefined;
  startedAt: string | undefined;
  outcome: string;
  endedAt: string | undefined;
  alertResolvedAt: string | undefined;
  validatedAt: string | undefined;
  breakGlass: string | undefined;
}

/** The actions about a Rollback task (or its validation task). */
export const ROLLBACK_ACTIONS: ReadonlySet<string> = new Set([
  "RollbackTaskOpened",
  "RollbackStarted",
  "RollbackHeld",
  "RollbackCompleted",
  "RollbackTaskRefused",
  "RollbackValidated",
  "AlertResolved",
  "BreakGlassRollback",
  "VerificationFailed",
]);

function emptyStory(task: string): RollbackStory {
  return {
    task,
    release: undefined,
    environment: undefined,
    openedAt: undefined,
    openedBy: undefined,
    trigger: "opened by a person (the rollback owner)",
    policy: undefined,
    from: undefined,
    to: undefined,
    startedAt: undefined,
    outcome: "open: no outcome recorded",
    endedAt: undefined,
    alertResolvedAt: undefined,
    validatedAt: undefined,
    breakGlass: undefined,
  };
}

/** The key of the Rollback task an entry is about (a validation entry names its rollback task). */
function taskKey(entry: StoredAuditEntry): string | undefined {
  const ns = entry.object.namespace ?? "";
  if (entry.action === "RollbackValidated") {
    const task = detail.text(entry, "rollbackTask");
    return task === undefined ? undefined : `${ns}/${task}`;
  }
  if (entry.action === "VerificationFailed") {
    const task = detail.text(entry, "rollbackTask");
    return task === undefined ? undefined : `${ns}/${task}`;
  }
  return objectKey(entry);
}

function alertName(entry: StoredAuditEntry): string | undefined {
  return textOf(detail.record(entry, "alert"), "name") ?? detail.text(entry, "alertname");
}

function apply(story: RollbackStory, entry: StoredAuditEntry): void {
  story.release ??= releaseOf(entry);
  story.environment ??= detail.text(entry, "environment");
  story.policy = detail.text(entry, "policy") ?? story.policy;
  switch (entry.action) {
    case "RollbackTaskOpened":
      story.openedAt = entry.time;
      story.openedBy = entry.actor;
      story.trigger = `alert ${alertName(entry) ?? "(unnamed)"} fired`;
      return;
    case "VerificationFailed":
      story.openedAt ??= entry.time;
      story.openedBy ??= entry.actor;
      story.trigger = `post-deployment verification failed: ${detail.text(entry, "message") ?? "no message"}`;
      return;
    case "RollbackStarted":
      story.startedAt = entry.time;
      if (story.openedBy === undefined && alertName(entry) !== undefined) {
        story.trigger = `alert ${alertName(entry) ?? ""} fired`;
      }
      story.from = detail.text(entry, "from");
      story.to = detail.text(entry, "to");
      return;
    case "RollbackCompleted":
      story.outcome =
        `completed (${detail.text(entry, "result") ?? "no result"}): ${detail.text(entry, "message") ?? ""}`.trim();
      story.endedAt = entry.time;
      story.from ??= detail.text(entry, "from");
      story.to ??= detail.text(entry, "to");
      return;
    case "RollbackHeld":
      if (story.outcome.startsWith("completed")) return;
      story.outcome = `held: ${detail.text(entry, "reason") ?? "no reason recorded"}`;
      story.endedAt = entry.time;
      return;
    case "RollbackTaskRefused":
      if (story.outcome.startsWith("completed")) return;
      story.outcome = `refused: ${detail.text(entry, "reason") ?? "no reason recorded"}`;
      story.endedAt = entry.time;
      return;
    case "AlertResolved":
      story.alertResolvedAt = detail.text(entry, "resolvedAt") ?? entry.time;
      return;
    case "RollbackValidated":
      story.validatedAt = entry.time;
      return;
    case "BreakGlassRollback":
      story.breakGlass =
        `passed the freeze ${detail.texts(entry, "freezes").join(", ")} as break-glass; emergency change ` +
        `${detail.text(entry, "changeRequest") ?? "(unnamed)"} opened for review`;
      return;
  }
}

/** The story of every Rollback task the entries mention, keyed `namespace/task`, in the entries' order. Pure. */
export function collectRollbacks(entries: readonly StoredAuditEntry[]): Map<string, RollbackStory> {
  const stories = new Map<string, RollbackStory>();
  for (const entry of entries) {
    if (!ROLLBACK_ACTIONS.has(entry.action)) continue;
    const key = taskKey(entry);
    if (key === undefined) continue;
    let story = stories.get(key);
    if (story === undefined) {
      story = emptyStory(key.slice(key.indexOf("/") + 1));
      stories.set(key, story);
    }
    apply(story, entry);
  }
  return stories;
}
