import type { ExportedEntry } from "../../audit/export/sources.js";
import { largeChangeSetOf } from "./change-sets.js";
import {
  changeSetOf,
  detectPatterns,
  indexEntries,
  PARTIAL_PATTERNS,
  PATTERN_IDS,
  PATTERNS,
  UNRECORDED_PATTERNS,
  type PatternId,
  type PatternOptions,
} from "./patterns.js";
import { collectPromotions, promotionFailed, type FailureEvent } from "./promotions.js";
import { selects, type DimensionSelector } from "../selector.js";
import { usualHoursOf, type UsualHours } from "./usual-hours.js";
import { compareRates, groupRate, MIN_GROUP, type GroupRate, type Verdict } from "./wilson.js";

/**
 * The actions the analysis reads (promotions, their failures and rollbacks, and what the patterns are told from):
 * a reader keeps only these in memory, so a year of records costs the promotions, not every entry.
 */
export const ANALYSED_ACTIONS: ReadonlySet<string> = new Set([
  "ReleasePromoted",
  "EnvironmentFailed",
  "VerificationFailed",
  "RollbackTaskOpened",
  "RollbackStarted",
  "TaskItemCompleted",
  "GateRefused",
  "BreakGlassRollback",
  "ChangeRequested",
  "ApprovalOpened",
  "DecisionRecorded",
  "ChangeApproved",
  "ChangeRejected",
  "ChangeDeferred",
  "ChangeExpired",
  "ChangeClosed",
  "ReviewTaskOpened",
]);

/** What to analyse: the window, the selector, the pattern options and the smallest group a claim is made from. */
export interface FailureQuery {
  since: Date;
  until: Date;
  selector: DimensionSelector;
  /** Only releases of this namespace; undefined for all. */
  namespace?: string | undefined;
  lateWithinMs: number;
  /** Given usual hours; undefined to read them from the trail's promotions in `timeZone`. */
  usualHours: UsualHours | undefined;
  timeZone: string;
  /** A change set of at least this many commits is large; undefined to read it from the window's recorded sizes. */
  largeChangeCommits?: number | undefined;
  minimum?: number;
}

/** One pattern against its baseline: the promotions with it, those without it, and what may be said. */
export interface PatternRow {
  pattern: PatternId;
  description: string;
  with: GroupRate;
  without: GroupRate;
  /** Promotions in neither group: the trail does not record what the pattern needs (a change set's size). */
  notJudged: number;
  verdict: Verdict;
}

/** A promotion that failed or was rolled back, with the patterns it showed. */
export interface FailedPromotion {
  release: string;
  environment: string;
  revision: string;
  time: string;
  failures: FailureEvent[];
  patterns: { pattern: PatternId; evidence: string }[];
}

/** The failure-pattern analysis of a window, as every output format renders it. */
export interface FailureAnalysis {
  since: string;
  until: string;
  usualHours: string;
  /** What a large change set is in this analysis, and where the threshold came from. */
  largeChangeSet: string;
  lateWithinMs: number;
  minimum: number;
  /** Promotions in the window matching the selector. */
  promotions: number;
  /** Of those, the ones a failed deployment or a rollback followed. */
  failures: GroupRate;
  failedDeployments: number;
  rollbacks: number;
  patterns: PatternRow[];
  unrecorded: { pattern: string; why: string }[];
  failed: FailedPromotion[];
  /** Entries read but left out because their trail's chain does not vouch for them (after its first bad line). */
  unvouchedEntries: number;
}

/**
 * Analyses the failure patterns of the promotions in a window. Only entries the chain vouches for are facts: an
 * entry after a trail's first bad line is counted in `unvouchedEntries` and nothing else, so a forged failure or
 * promotion appended to a trail changes no rate. Pure.
 */
export function analyseFailures(items: readonly ExportedEntry[], query: FailureQuery): FailureAnalysis {
  const vouched = items.filter((i) => i.verified).map((i) => i.entry);
  const index = indexEntries(vouched);
  const since = query.since.getTime();
  const until = query.until.getTime();
  const promotions = collectPromotions(vouched).filter((p) => {
    const at = Date.parse(p.time);
    const inNamespace = query.namespace === undefined || p.release.startsWith(`${query.namespace}/`);
    return at >= since && at < until && inNamespace && selects(query.selector, p.dimensions);
  });
  const usualHours =
    query.usualHours ??
    usualHoursOf(
      promotions.map((p) => p.time),
      query.timeZone,
    );
  const sizes = promotions.flatMap((p) => changeSetOf(p, index)?.commits ?? []);
  const largeChangeSet = largeChangeSetOf(sizes, query.largeChangeCommits);
  const options: PatternOptions = { lateWithinMs: query.lateWithinMs, usualHours, largeChangeSet };
  const judged = promotions.map((p) => ({
    promotion: p,
    hits: detectPatterns(p, index, options),
    sized: changeSetOf(p, index) !== undefined,
  }));
  const minimum = query.minimum ?? MIN_GROUP;
  const patterns = PATTERN_IDS.map((pattern): PatternRow => {
    // A pattern told only where the trail records what it needs is judged on those promotions alone.
    const population =
      PARTIAL_PATTERNS.has(pattern) && largeChangeSet !== undefined
        ? judged.filter((j) => j.sized)
        : PARTIAL_PATTERNS.has(pattern)
          ? []
          : judged;
    const withIt = population.filter((j) => j.hits.some((h) => h.pattern === pattern));
    const without = population.filter((j) => !j.hits.some((h) => h.pattern === pattern));
    const rate = (group: typeof judged): GroupRate =>
      groupRate(group.filter((j) => promotionFailed(j.promotion)).length, group.length);
    const a = rate(withIt);
    const b = rate(without);
    return {
      pattern,
      description: PATTERNS[pattern],
      with: a,
      without: b,
      notJudged: judged.length - population.length,
      verdict: compareRates(a, b, minimum),
    };
  });
  const failed = judged.filter((j) => promotionFailed(j.promotion));
  return {
    since: query.since.toISOString(),
    until: query.until.toISOString(),
    usualHours: usualHours?.source ?? "not judged: no promotion in the window",
    largeChangeSet:
      largeChangeSet === undefined
        ? "not judged: no promotion in the window has a recorded change set size"
        : `at least ${largeChangeSet.minCommits} commits (${largeChangeSet.source})`,
    lateWithinMs: query.lateWithinMs,
    minimum,
    promotions: promotions.length,
    failures: groupRate(failed.length, promotions.length),
    failedDeployments: promotions.filter((p) => p.failed).length,
    rollbacks: promotions.filter((p) => p.rolledBack).length,
    patterns,
    unrecorded: Object.entries(UNRECORDED_PATTERNS).map(([pattern, why]) => ({ pattern, why })),
    failed: failed.map(({ promotion, hits }) => ({
      release: promotion.release,
      environment: promotion.environment,
      revision: promotion.revision,
      time: promotion.time,
      failures: promotion.failures,
      patterns: hits.map((h) => ({ pattern: h.pattern, evidence: h.evidence })),
    })),
    unvouchedEntries: items.length - vouched.length,
  };
}
