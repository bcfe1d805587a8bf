import type { StoredAuditEntry } from "../entry.js";
import { changeRequestOf, detail, objectKey, textOf } from "./details.js";

/** One approval round as `ApprovalOpened` recorded it: who was eligible and who was excluded, and why. */
export interface ApprovalRound {
  approval: string;
  round: number | undefined;
  openedAt: string;
  required: number | undefined;
  eligible: string[];
  requiredGroups: string[];
  excluded: { user: string; reason: string }[];
  riskClass: string | undefined;
  /**
   * The change set the operator read from git for this round (separation of duties' evidence): how many commits
   * between the revision the environment ran and the change's. Undefined when not recorded.
   */
  changeSet: { commits: number; range: string } | undefined;
}

/** One person's decision on an Approval (`DecisionRecorded`): the identity is the API server's, not typed. */
export interface RecordedDecision {
  time: string;
  actor: string;
  decision: string;
  comment: string | undefined;
  approval: string;
}

/** The post-implementation review of an emergency change: opened, due, and what was completed on it. */
export interface ReviewStory {
  task: string;
  dueAt: string | undefined;
  owners: string[];
  completed: { time: string; by: string; items: string[] }[];
}

/** Whether the people who decided a change were kept apart from the people who asked for it and wrote it. */
export interface SeparationOfDuties {
  /** `held` when no approver was the requester or an excluded person; `violated` otherwise; `notApplicable` without human approvers. */
  verdict: "held" | "violated" | "notApplicable";
  message: string;
}

/**
 * Everything the trail says about one ChangeRequest, from its request to its closing: the record of who asked,
 * who could decide, who decided, and (for an emergency) its review.
 */
export interface ChangeStory {
  namespace: string;
  name: string;
  release: string | undefined;
  environment: string | undefined;
  type: string | undefined;
  requestedBy: string | undefined;
  requestedAt: string | undefined;
  rounds: ApprovalRound[];
  decisions: RecordedDecision[];
  resolution: string | undefined;
  resolvedBy: string | undefined;
  resolvedAt: string | undefined;
  approvers: string[];
  rule: string | undefined;
  expiresAt: string | undefined;
  closedAt: string | undefined;
  review: ReviewStory | undefined;
  breakGlass: { rollbackTask: string; freezes: string[]; time: string } | undefined;
  separationOfDuties: SeparationOfDuties;
}

const RESOLUTIONS: Readonly<Record<string, string>> = {
  ChangeApproved: "Approved",
  ChangeRejected: "Rejected",
  ChangeDeferred: "Deferred",
  ChangeExpired: "Expired",
};

function emptyStory(key: string): ChangeStory {
  const slash = key.indexOf("/");
  return {
    namespace: key.slice(0, slash),
    name: key.slice(slash + 1),
    release: undefined,
    environment: undefined,
    type: undefined,
    requestedBy: undefined,
    requestedAt: undefined,
    rounds: [],
    decisions: [],
    resolution: undefined,
    resolvedBy: undefined,
    resolvedAt: undefined,
    approvers: [],
    rule: undefined,
    expiresAt: undefined,
    closedAt: undefined,
    review: undefined,
    breakGlass: undefined,
    separationOfDuties: { verdict: "notApplicable", message: "" },
  };
}

/** The change set recorded in an ApprovalOpened entry's separation-of-duties evidence, when it is well formed. */
function changeSetOf(entry: StoredAuditEntry): ApprovalRound["changeSet"] {
  const set = detail.record(entry, "separationOfDuties")?.changeSet;
  if (typeof set !== "object" || set === null) return undefined;
  const { commits, range } = set as Record<string, unknown>;
  if (typeof commits !== "number" || !Number.isInteger(commits) || commits < 0 || typeof range !== "string") {
    return undefined;
  }
  return { commits, range };
}

/** "user alice", "group cab" from `eligible: {users, groups}`. */
function eligibleOf(entry: StoredAuditEntry): string[] {
  const eligible = detail.record(entry, "eligible");
  const list = (key: string): string[] => {
    const value = eligible?.[key];
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  };
  return [...list("users").map((u) => `user ${u}`), ...list("groups").map((g) => `group ${g}`)];
}

/** Applies one change-control entry to its story. */
function applyEntry(story: ChangeStory, entry: StoredAuditEntry): void {
  switch (entry.action) {
    case "ChangeRequested": {
      const requester = detail.record(entry, "requestedBy");
      story.requestedBy = textOf(requester, "username") ?? entry.actor;
      story.requestedAt = entry.time;
      story.environment = detail.text(entry, "environment") ?? story.environment;
      story.type = detail.text(entry, "type") ?? story.type;
      const release = detail.text(entry, "release");
      if (release !== undefined) story.release = `${story.namespace}/${release}`;
      return;
    }
    case "ApprovalOpened":
      story.rounds.push({
        approval: entry.object.name,
        round: detail.number(entry, "round"),
        openedAt: entry.time,
        required: detail.number(entry, "required"),
        eligible: eligibleOf(entry),
        requiredGroups: detail.texts(entry, "requiredGroups"),
        excluded: detail.records(entry, "excluded").map((e) => ({
          user: textOf(e, "user") ?? "",
          reason: textOf(e, "reason") ?? "",
        })),
        riskClass: detail.text(entry, "riskClass"),
        changeSet: changeSetOf(entry),
      });
      return;
    case "DecisionRecorded":
      story.decisions.push({
        time: entry.time,
        actor: entry.actor,
        decision: detail.text(entry, "decision") ?? "",
        comment: detail.text(entry, "comment"),
        approval: entry.object.name,
      });
      return;
    case "ChangeClosed":
      story.closedAt = detail.text(entry, "closedAt") ?? entry.time;
      return;
    case "BreakGlassRollback":
      story.breakGlass = {
        rollbackTask: entry.object.name,
        freezes: detail.texts(entry, "freezes"),
        time: entry.time,
      };
      story.environment ??= detail.text(entry, "environment");
      story.type ??= "Emergency";
      return;
    default: {
      const resolution = RESOLUTIONS[entry.action];
      if (resolution === undefined) return;
      story.resolution = resolution;
      story.resolvedBy = detail.text(entry, "resolvedBy") ?? entry.actor;
      story.resolvedAt = detail.text(entry, "resolvedAt") ?? entry.time;
      story.approvers = detail.texts(entry, "approvers");
      story.rule = detail.text(entry, "rule");
      story.expiresAt = detail.text(entry, "expiresAt") ?? detail.text(entry, "emergencyExpiresAt");
    }
  }
}

/** The change-control actions a story is told from. */
const CHANGE_ACTIONS: ReadonlySet<string> = new Set([
  "ChangeRequested",
  "ApprovalOpened",
  "DecisionRecorded",
  "ChangeApproved",
  "ChangeRejected",
  "ChangeDeferred",
  "ChangeExpired",
  "ChangeClosed",
  "BreakGlassRollback",
]);

/**
 * The story of every ChangeRequest the entries mention, keyed `namespace/name`, told in the entries' order. Review
 * tasks are joined through `ReviewTaskOpened` (which names the change) and the `TaskItemCompleted` entries about
 * that task. Pure.
 */
export function collectChanges(entries: readonly StoredAuditEntry[]): Map<string, ChangeStory> {
  const stories = new Map<string, ChangeStory>();
  const story = (key: string): ChangeStory => {
    let found = stories.get(key);
    if (found === undefined) {
      found = emptyStory(key);
      stories.set(key, found);
    }
    return found;
  };
  const reviews = new Map<string, ReviewStory>();
  for (const entry of entries) {
    if (entry.action === "ReviewTaskOpened") {
      const key = changeRequestOf(entry);
      if (key === undefined) continue;
      const review: ReviewStory = {
        task: entry.object.name,
        dueAt: detail.text(entry, "dueAt"),
        owners: detail
          .records(entry, "owners")
          .map((o) => `${textOf(o, "kind") ?? ""} ${textOf(o, "name") ?? ""}`.trim()),
        completed: [],
      };
      story(key).review = review;
      reviews.set(objectKey(entry), review);
      continue;
    }
    if (entry.action === "TaskItemCompleted") {
      reviews.get(objectKey(entry))?.completed.push({
        time: entry.time,
        by: detail.text(entry, "completedBy") ?? entry.actor,
        items: detail
          .records(entry, "items")
          .map((i) => `${textOf(i, "name") ?? "?"}: ${textOf(i, "state") ?? "?"}`),
      });
      continue;
    }
    if (!CHANGE_ACTIONS.has(entry.action)) continue;
    const key = changeRequestOf(entry);
    if (key !== undefined) applyEntry(story(key), entry);
  }
  for (const found of stories.values()) found.separationOfDuties = judgeSeparation(found);
  return stories;
}

/**
 * Judges separation of duties from what was recorded: the requester, the people excluded when the round opened,
 * and the approvers who settled it. The webhooks refuse such decisions; the report shows that they held.
 */
export function judgeSeparation(story: ChangeStory): SeparationOfDuties {
  const humans = story.approvers.filter((a) => a !== "policy");
  if (story.resolution !== "Approved" || humans.length === 0) {
    const why =
      story.resolvedBy === "policy"
        ? `approved by policy${story.rule === undefined ? "" : ` (rule ${story.rule})`}, with no human approver`
        : "no person approved this change";
    return { verdict: "notApplicable", message: why };
  }
  const excluded = new Set(story.rounds.flatMap((r) => r.excluded.map((e) => e.user)));
  const requester = story.requestedBy;
  const offenders = humans.filter((a) => a === requester || excluded.has(a));
  if (offenders.length > 0) {
    return {
      verdict: "violated",
      message: `${offenders.join(", ")} approved a change they requested or were excluded from deciding`,
    };
  }
  const excludedText = excluded.size === 0 ? "" : `; excluded: ${[...excluded].join(", ")}`;
  return {
    verdict: "held",
    message: `requested by ${requester ?? "an unrecorded requester"}, approved by ${humans.join(", ")}${excludedText}`,
  };
}

/** Whether a story is an emergency change (its type, or a break-glass rollback that opened it). */
export function isEmergency(story: ChangeStory): boolean {
  return story.type === "Emergency" || story.breakGlass !== undefined;
}
