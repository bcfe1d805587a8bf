import type { Dimensions } from "../../api/v1alpha1/dimensions.js";
import type { StoredAuditEntry } from "../../audit/entry.js";
import { detail } from "../../audit/reports/details.js";
import { collectRollbacks, type RollbackStory } from "../../audit/reports/rollbacks.js";
import { isGateCategory, type GateCategory } from "../../policy/gate-categories.js";
import { recordedDimensions } from "../recorded-dimensions.js";

/**
 * One promotion of a release into an environment, as the audit trail tells it: when the release was first on
 * record, when it was ready for this environment (the previous environment verified), when the change was requested
 * and approved, when the operator promoted it, and how it ended. Times are RFC 3339; absent when not on record.
 */
export interface PromotionRecord {
  release: { namespace: string; name: string; uid: string };
  environment: string;
  /** The promotion's count in this environment (a second promotion of the same release counts 2). */
  promotion: number;
  revision: string | undefined;
  /** The dimensions recorded with the promotion (ADR 0042); undefined for entries written before they were. */
  dimensions: Dimensions | undefined;
  releaseFirstSeenAt: string;
  readyAt: string;
  changeRequestedAt: string | undefined;
  changeApprovedAt: string | undefined;
  /** The oldest commit the change brought, as the operator read it from git (ApprovalOpened's evidence). */
  firstCommitAt: string | undefined;
  promotedAt: string;
  deployedAt: string | undefined;
  verifiedAt: string | undefined;
  failedAt: string | undefined;
  failureReasons: string[];
  /** The first rollback opened for the release in this environment after this promotion, and when service was back. */
  rollback: { openedAt: string; restoredAt: string | undefined } | undefined;
  /**
   * What the gate waited on before this promotion, as the operator recorded each change (`GateWaitChanged`, ADR
   * 0053), in time order: from each change's time, its categories held until the next change (empty: none).
   */
  gateWaits: GateWaitChange[];
}

/** One recorded change of what a gate waits on. */
export interface GateWaitChange {
  at: string;
  categories: GateCategory[];
}

const OUTCOMES = new Set(["EnvironmentDeployed", "EnvironmentVerified", "EnvironmentFailed"]);

/** `Release/<uid>/<action>/<environment>/<promotion>[/...]` split into its parts, unescaped; undefined otherwise. */
function releaseTransition(
  transition: string | undefined,
): { uid: string; environment: string; promotion: number } | undefined {
  if (transition === undefined) return undefined;
  const parts = transition.split("/").map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  });
  const [kind, uid, , environment, count] = parts;
  const promotion = Number(count);
  if (kind !== "Release" || uid === undefined || environment === undefined || !Number.isInteger(promotion)) {
    return undefined;
  }
  return { uid, environment, promotion };
}

/**
 * The change an ApprovalOpened entry opened a round of (by the ChangeRequest uid in its transition) and the first
 * commit time its separation-of-duties evidence records; undefined when either is not on record.
 */
function changeOpened(
  entry: StoredAuditEntry,
  changeNames: ReadonlyMap<string, string>,
): { change: string; firstCommitAt: string } | undefined {
  const [kind, uid] = (entry.transition ?? "").split("/");
  const change = kind === "ChangeRequest" && uid !== undefined ? changeNames.get(uid) : undefined;
  const evidence = detail.record(entry, "separationOfDuties");
  const firstCommitAt = evidence?.firstCommitAt;
  if (change === undefined || typeof firstCommitAt !== "string") return undefined;
  return { change, firstCommitAt };
}

const earlier = (a: string | undefined, b: string): string => (a === undefined || b < a ? b : a);

/**
 * Builds every promotion on record from verified audit entries (in time order): ReleasePromoted opens one, the
 * Environment outcome entries of the same release, environment and count close it, the ChangeRequested and
 * ChangeApproved entries of the change it names give the approval wait, and the Rollback tasks of the release in the
 * environment give its rollback and time to restore.
 */
export function collectPromotions(entries: readonly StoredAuditEntry[]): PromotionRecord[] {
  const firstSeen = new Map<string, string>();
  const changeTimes = new Map<
    string,
    { requestedAt?: string; approvedAt?: string; firstCommitAt?: string }
  >();
  const changeNames = new Map<string, string>();
  const promotions = new Map<string, PromotionRecord>();
  const outcomes: StoredAuditEntry[] = [];
  const gateWaits = new Map<string, GateWaitChange[]>();
  const seenWaits = new Set<string>();
  for (const entry of entries) {
    const uid = entry.object.uid;
    if (entry.object.kind === "Release" && uid !== undefined) {
      firstSeen.set(uid, earlier(firstSeen.get(uid), entry.time));
    }
    if (entry.object.kind === "ChangeRequest") {
      const key = `${entry.object.namespace ?? ""}/${entry.object.name}`;
      const times = changeTimes.get(key) ?? {};
      if (entry.action === "ChangeRequested") times.requestedAt = earlier(times.requestedAt, entry.time);
      if (entry.object.uid !== undefined) changeNames.set(entry.object.uid, key);
      if (entry.action === "ChangeApproved") times.approvedAt ??= entry.time;
      changeTimes.set(key, times);
    }
    if (entry.action === "ApprovalOpened") {
      const opened = changeOpened(entry, changeNames);
      if (opened !== undefined) {
        changeTimes.set(opened.change, {
          ...changeTimes.get(opened.change),
          firstCommitAt: opened.firstCommitAt,
        });
      }
    }
    if (entry.action === "ReleasePromoted") {
      const at = releaseTransition(entry.transition);
      if (at === undefined) continue;
      // One fact per transition: two replicas' files merged hold it twice, and the first on record counts.
      const key = `${at.uid}/${at.environment}/${at.promotion}`;
      if (promotions.has(key)) continue;
      const namespace = entry.object.namespace ?? "";
      const change = detail.text(entry, "changeRequest");
      const times = change === undefined ? undefined : changeTimes.get(`${namespace}/${change}`);
      promotions.set(key, {
        release: { namespace, name: entry.object.name, uid: at.uid },
        environment: at.environment,
        promotion: at.promotion,
        revision: detail.text(entry, "revision"),
        dimensions: recordedDimensions(entry.details),
        releaseFirstSeenAt: firstSeen.get(at.uid) ?? entry.time,
        readyAt: firstSeen.get(at.uid) ?? entry.time,
        changeRequestedAt: times?.requestedAt,
        changeApprovedAt: times?.approvedAt,
        firstCommitAt: times?.firstCommitAt,
        promotedAt: entry.time,
        deployedAt: undefined,
        verifiedAt: undefined,
        failedAt: undefined,
        failureReasons: [],
        rollback: undefined,
        gateWaits: [],
      });
    }
    if (OUTCOMES.has(entry.action)) outcomes.push(entry);
    if (entry.action === "GateWaitChanged" && entry.object.kind === "Release") {
      const at = releaseTransition(entry.transition);
      // One fact per transition: a store keeps one, and two replicas' files merged must not count it twice.
      if (at === undefined || seenWaits.has(entry.transition ?? "")) continue;
      seenWaits.add(entry.transition ?? "");
      const key = `${at.uid}/${at.environment}/${at.promotion}`;
      const change = { at: entry.time, categories: detail.texts(entry, "categories").filter(isGateCategory) };
      const list = gateWaits.get(key);
      if (list === undefined) gateWaits.set(key, [change]);
      else list.push(change);
    }
  }
  for (const entry of outcomes) {
    const at = releaseTransition(entry.transition);
    const record =
      at === undefined ? undefined : promotions.get(`${at.uid}/${at.environment}/${at.promotion}`);
    if (record === undefined) continue;
    if (entry.action === "EnvironmentDeployed") record.deployedAt ??= entry.time;
    if (entry.action === "EnvironmentVerified") record.verifiedAt ??= entry.time;
    if (entry.action === "EnvironmentFailed") {
      record.failedAt ??= entry.time;
      record.failureReasons = detail.texts(entry, "reasons");
    }
  }
  for (const [key, record] of promotions) {
    record.gateWaits = (gateWaits.get(key) ?? []).sort((a, b) => a.at.localeCompare(b.at));
  }
  const records = [...promotions.values()].sort((a, b) => a.promotedAt.localeCompare(b.promotedAt));
  setReadyTimes(records);
  attachRollbacks(records, [...collectRollbacks(entries).values()]);
  return records;
}

/** A promotion was ready when the release's latest earlier environment was verified (or it was first on record). */
function setReadyTimes(records: PromotionRecord[]): void {
  for (const group of groupBy(records, (r) => r.release.uid).values()) {
    const verified = group.flatMap((r) => (r.verifiedAt === undefined ? [] : [r.verifiedAt])).sort();
    for (const record of group) {
      const before = verified.filter((t) => t <= record.promotedAt);
      record.readyAt = before[before.length - 1] ?? record.releaseFirstSeenAt;
    }
  }
}

/** Records grouped by a key, each group in the records' order (a release has a handful of promotions). */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}

function attachRollbacks(records: PromotionRecord[], stories: readonly RollbackStory[]): void {
  const byTarget = groupBy(records, (r) => `${r.release.namespace}/${r.release.name}\n${r.environment}`);
  for (const story of stories) {
    if (story.openedAt === undefined || story.release === undefined) continue;
    const openedAt = story.openedAt;
    const candidates = (byTarget.get(`${story.release}\n${story.environment ?? ""}`) ?? []).filter(
      (r) => r.promotedAt <= openedAt,
    );
    const promoted = candidates[candidates.length - 1];
    if (promoted === undefined || promoted.rollback !== undefined) continue;
    const completed = story.outcome.startsWith("completed") ? story.endedAt : undefined;
    promoted.rollback = { openedAt, restoredAt: completed ?? story.alertResolvedAt };
  }
}
