import type { StoredAuditEntry } from "../../audit/entry.js";
import { collectChanges, isEmergency, type ChangeStory } from "../../audit/reports/changes.js";
import { detail, objectKey, releaseOf } from "../../audit/reports/details.js";
import type { Promotion } from "./promotions.js";
import { between, formatSpan } from "./span.js";
import { hourIn, type UsualHours } from "./usual-hours.js";

/** The task patterns a promotion may show, each detected from what the trail recorded (ADR 0041). */
export const PATTERNS = {
  emergency:
    "emergency change: the promotion used an Emergency change, or the release had one in the environment before it",
  lateApproval: "late approval: the change was approved shortly before the gate opened",
  lateChecks: "late checks: the last check item was completed shortly before the gate opened",
  outsideHours: "outside usual hours: the promotion happened outside the usual hours",
  skippedStage: "skipped stage: a stage skip was refused, or a freeze passed as break-glass, before it",
  overdueTask: "overdue task: an emergency change's review of the release was overdue when it was promoted",
  largeChangeSet:
    "large change set: the change brought more commits than the threshold, as the operator read them from git " +
    "(promotions whose size is not recorded are judged neither way)",
} as const;

/** A pattern's id. */
export type PatternId = keyof typeof PATTERNS;

/** The pattern ids in the order output lists them. */
export const PATTERN_IDS = Object.keys(PATTERNS) as PatternId[];

/** Patterns asked about that the trail does not record, with why: reported as such, never guessed. */
export const UNRECORDED_PATTERNS: Readonly<Record<string, string>> = {};

/** Patterns judged only on the promotions whose trail records what they need; the others are in neither group. */
export const PARTIAL_PATTERNS: ReadonlySet<PatternId> = new Set<PatternId>(["largeChangeSet"]);

/** One pattern a promotion shows, with the recorded facts that show it, as a sentence. */
export interface PatternHit {
  pattern: PatternId;
  evidence: string;
  /** For late and emergency approvals and late checks: how long before the promotion it happened. */
  beforeMs?: number;
}

/** How the patterns are judged: what "shortly before" means, and the usual hours (none: not judged). */
export interface PatternOptions {
  lateWithinMs: number;
  usualHours: UsualHours | undefined;
  /** A change set of at least this many commits is large (none: not judged). */
  largeChangeSet?: LargeChangeSet | undefined;
}

/** What "large" means for a change set, and where that came from (a flag, or the window's own sizes). */
export interface LargeChangeSet {
  minCommits: number;
  source: string;
}

interface CheckDone {
  time: string;
  task: string;
  type: string;
  by: string;
}

/** What detection looks up, built once from the vouched entries. */
export interface PatternIndex {
  changes: Map<string, ChangeStory>;
  /** Check items completed, by `namespace\0environment\0commit`, in time order. */
  checks: Map<string, CheckDone[]>;
  /** Stage skips refused and freezes passed as break-glass, by `release\0environment`. */
  skips: Map<string, { time: string; what: string }[]>;
  /** Emergency changes, by `release\0environment`. */
  emergencies: Map<string, ChangeStory[]>;
  /** Changes with a post-implementation review that has a due time, by release. */
  reviews: Map<string, ChangeStory[]>;
}

/** Task types whose items are not gate checks (their work follows a deployment). */
const NOT_CHECKS: ReadonlySet<string> = new Set([
  "PostImplementationReview",
  "Rollback",
  "RollbackValidation",
  "PostDeployVerification",
]);

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** Indexes the entries (in time order, vouched for by their chain) for {@link detectPatterns}. Pure. */
export function indexEntries(entries: readonly StoredAuditEntry[]): PatternIndex {
  const checks = new Map<string, CheckDone[]>();
  const skips = new Map<string, { time: string; what: string }[]>();
  for (const entry of entries) {
    const environment = detail.text(entry, "environment");
    if (entry.action === "TaskItemCompleted") {
      const type = detail.text(entry, "type") ?? "";
      const commit = detail.text(entry, "commit");
      if (NOT_CHECKS.has(type) || environment === undefined || commit === undefined) continue;
      // completedAt is stamped by admission from the request; the entry's time is when the operator recorded it.
      const stamped = detail.text(entry, "completedAt");
      const time = stamped !== undefined && !Number.isNaN(Date.parse(stamped)) ? stamped : entry.time;
      push(checks, `${entry.object.namespace ?? ""}\u0000${environment}\u0000${commit}`, {
        time,
        task: entry.object.name,
        type,
        by: detail.text(entry, "completedBy") ?? entry.actor,
      });
    } else if (entry.action === "GateRefused" && detail.text(entry, "reason") === "StageSkipped") {
      push(skips, `${objectKey(entry)}\u0000${environment ?? ""}`, {
        time: entry.time,
        what: `a promotion skipping a stage was refused (${detail.text(entry, "message") ?? "no message"})`,
      });
    } else if (entry.action === "BreakGlassRollback") {
      const release = releaseOf(entry);
      if (release === undefined) continue;
      push(skips, `${release}\u0000${environment ?? ""}`, {
        time: entry.time,
        what: `a rollback passed the freeze ${detail.texts(entry, "freezes").join(", ")} as break-glass`,
      });
    }
  }
  for (const list of checks.values()) list.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  const changes = collectChanges(entries);
  const emergencies = new Map<string, ChangeStory[]>();
  const reviews = new Map<string, ChangeStory[]>();
  for (const story of changes.values()) {
    if (story.release === undefined) continue;
    if (isEmergency(story)) push(emergencies, `${story.release}\u0000${story.environment ?? ""}`, story);
    if (story.review?.dueAt !== undefined) push(reviews, story.release, story);
  }
  return { changes, checks, skips, emergencies, reviews };
}

function changeHits(promotion: Promotion, index: PatternIndex, options: PatternOptions): PatternHit[] {
  if (promotion.changeRequest === undefined) return [];
  const namespace = promotion.release.slice(0, promotion.release.indexOf("/"));
  const story = index.changes.get(`${namespace}/${promotion.changeRequest}`);
  if (story === undefined) return [];
  const hits: PatternHit[] = [];
  const before =
    story.resolution === "Approved" && story.resolvedAt !== undefined
      ? between(story.resolvedAt, promotion.time)
      : undefined;
  const approvedText =
    before === undefined
      ? ""
      : `, approved ${formatSpan(before)} before the deploy by ${story.resolvedBy ?? "?"}`;
  if (isEmergency(story)) {
    hits.push({
      pattern: "emergency",
      evidence: `change ${story.name} was an emergency change${approvedText}`,
      ...(before === undefined ? {} : { beforeMs: before }),
    });
  }

  if (before !== undefined && before >= 0 && before <= options.lateWithinMs) {
    hits.push({
      pattern: "lateApproval",
      evidence: `change ${story.name} was approved ${formatSpan(before)} before the deploy by ${story.resolvedBy ?? "?"}`,
      beforeMs: before,
    });
  }
  return hits;
}

/**
 * An emergency change of the same release and environment requested before the promotion (a break-glass rollback
 * of an earlier promotion there): the release is promoted again after an emergency. The release controller opens
 * only Normal changes for promotions, so this is how an emergency shows on a promotion in today's trails.
 */
function earlierEmergency(promotion: Promotion, index: PatternIndex): PatternHit[] {
  const at = Date.parse(promotion.time);
  const found = (index.emergencies.get(`${promotion.release}\u0000${promotion.environment}`) ?? []).find(
    (story) =>
      story.name !== promotion.changeRequest &&
      Date.parse(story.requestedAt ?? story.breakGlass?.time ?? "") < at,
  );
  if (found === undefined) return [];
  const how =
    found.breakGlass === undefined
      ? ""
      : ` (opened by rollback ${found.breakGlass.rollbackTask} as break-glass)`;
  return [
    {
      pattern: "emergency",
      evidence: `emergency change ${found.name}${how} was requested for this release in ${promotion.environment} before it was promoted again`,
    },
  ];
}

function checkHit(promotion: Promotion, index: PatternIndex, options: PatternOptions): PatternHit[] {
  const namespace = promotion.release.slice(0, promotion.release.indexOf("/"));
  const done =
    index.checks.get(`${namespace}\u0000${promotion.environment}\u0000${promotion.revision}`) ?? [];
  const last = done.filter((c) => Date.parse(c.time) <= Date.parse(promotion.time)).at(-1);
  if (last === undefined) return [];
  const before = between(last.time, promotion.time);
  if (before > options.lateWithinMs) return [];
  return [
    {
      pattern: "lateChecks",
      evidence: `the last check item (${last.type} task ${last.task}, by ${last.by}) was completed ${formatSpan(before)} before the deploy`,
      beforeMs: before,
    },
  ];
}

function hoursHit(promotion: Promotion, options: PatternOptions): PatternHit[] {
  const usual = options.usualHours;
  if (usual === undefined) return [];
  const hour = hourIn(promotion.time, usual.timeZone);
  if (usual.hours.has(hour)) return [];
  return [
    {
      pattern: "outsideHours",
      evidence: `deployed at ${String(hour).padStart(2, "0")}:xx ${usual.timeZone}, outside the usual hours (${usual.source})`,
    },
  ];
}

function skipHits(promotion: Promotion, index: PatternIndex): PatternHit[] {
  const skips = index.skips.get(`${promotion.release}\u0000${promotion.environment}`) ?? [];
  const earlier = skips.filter((s) => Date.parse(s.time) <= Date.parse(promotion.time));
  return earlier.length === 0
    ? []
    : [{ pattern: "skippedStage", evidence: earlier.map((s) => `${s.what} at ${s.time}`).join("; ") }];
}

function overdueHits(promotion: Promotion, index: PatternIndex): PatternHit[] {
  const at = Date.parse(promotion.time);
  const overdue = (index.reviews.get(promotion.release) ?? []).filter((story) => {
    const review = story.review;
    if (review?.dueAt === undefined) return false;
    const done = review.completed.some((c) => Date.parse(c.time) <= at);
    return !done && Date.parse(review.dueAt) < at;
  });
  return overdue.length === 0
    ? []
    : [
        {
          pattern: "overdueTask",
          evidence: overdue
            .map((s) => `review ${s.review?.task ?? "?"} of ${s.name} was due at ${s.review?.dueAt ?? "?"}`)
            .join("; "),
        },
      ];
}

/**
 * The size of the change set a promotion brought: the commits the operator read from git for the last approval round
 * of its change (ApprovalOpened's evidence); undefined when the trail does not record it.
 */
export function changeSetOf(
  promotion: Promotion,
  index: PatternIndex,
): { commits: number; range: string; change: string } | undefined {
  if (promotion.changeRequest === undefined) return undefined;
  const namespace = promotion.release.slice(0, promotion.release.indexOf("/"));
  const story = index.changes.get(`${namespace}/${promotion.changeRequest}`);
  const set = story?.rounds.findLast((r) => r.changeSet !== undefined)?.changeSet;
  return set === undefined || story === undefined ? undefined : { ...set, change: story.name };
}

function changeSetHit(promotion: Promotion, index: PatternIndex, options: PatternOptions): PatternHit[] {
  const large = options.largeChangeSet;
  const set = changeSetOf(promotion, index);
  if (large === undefined || set === undefined || set.commits < large.minCommits) return [];
  return [
    {
      pattern: "largeChangeSet",
      evidence: `change ${set.change} brought ${set.commits} commits (${set.range}), at least ${large.minCommits} (${large.source})`,
    },
  ];
}

/** The patterns one promotion shows, each with its evidence. Pure. */
export function detectPatterns(
  promotion: Promotion,
  index: PatternIndex,
  options: PatternOptions,
): PatternHit[] {
  const own = changeHits(promotion, index, options);
  return [
    ...own,
    ...(own.some((h) => h.pattern === "emergency") ? [] : earlierEmergency(promotion, index)),
    ...checkHit(promotion, index, options),
    ...hoursHit(promotion, options),
    ...skipHits(promotion, index),
    ...overdueHits(promotion, index),
    ...changeSetHit(promotion, index, options),
  ];
}
