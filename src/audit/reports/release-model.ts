import type { ExportedEntry } from "../export/sources.js";
import type { StoredAuditEntry } from "../entry.js";
import type { ChainProof } from "./chain-proof.js";
import { changeView, type ChangeView } from "./change-view.js";
import { collectChanges } from "./changes.js";
import { detail, objectKey, releaseOf } from "./details.js";
import {
  checkEvidence,
  verificationResult,
  type CheckEvidence,
  type VerificationResult,
} from "./evidence.js";
import { exceptionsOf, type ExceptionRow } from "./exceptions.js";
import { collectRollbacks, type RollbackStory } from "./rollbacks.js";
import { timelineOf, type TimelineRow } from "./timeline.js";

/** One promotion of the release into an environment, and what became of it. */
export interface Deployment {
  time: string;
  environment: string;
  target: string;
  revision: string;
  changeRequest: string;
  outcome: string;
  outcomeAt: string;
  verified: boolean;
}

/**
 * The release report's model: what was deployed where and when, who requested and approved it, separation of
 * duties, checks with their evidence, emergency changes and their reviews, verification results, rollbacks, the
 * exceptions, every entry in time order, and the chain proof. Templates render it; nothing in it is HTML.
 */
export interface ReleaseReport {
  kind: "release";
  title: string;
  generatedAt: string;
  release: { namespace: string; name: string };
  /** False when no entry of the trails is about the release (the report says so). */
  found: boolean;
  chain: ChainProof;
  deployments: Deployment[];
  changes: ChangeView[];
  emergencies: ChangeView[];
  checks: CheckEvidence[];
  verifications: VerificationResult[];
  rollbacks: RollbackStory[];
  exceptions: ExceptionRow[];
  timeline: TimelineRow[];
}

const OUTCOMES: ReadonlySet<string> = new Set([
  "EnvironmentDeployed",
  "EnvironmentVerified",
  "EnvironmentFailed",
]);

/** The (environment, revision) pairs the release was promoted with or reached. */
function revisionsOf(entries: readonly StoredAuditEntry[]): Set<string> {
  const pairs = new Set<string>();
  for (const e of entries) {
    const environment = detail.text(e, "environment");
    const revision = detail.text(e, "revision");
    if (environment !== undefined && revision !== undefined) pairs.add(`${environment}@${revision}`);
  }
  return pairs;
}

/**
 * Which entries are about the release: its own, its changes', and its tasks' (joined by what they record). Exported
 * for the retrospective (`stagegate retro`), which tells the same release's story from the same entries.
 */
export function selectEntries(
  items: readonly ExportedEntry[],
  namespace: string,
  name: string,
): ExportedEntry[] {
  const key = `${namespace}/${name}`;
  const local = items.filter((i) => i.entry.object.namespace === namespace);
  const own = local.filter((i) => i.entry.object.kind === "Release" && i.entry.object.name === name);
  const revisions = revisionsOf(own.map((i) => i.entry));
  const changes = new Set<string>();
  const tasks = new Set<string>();
  for (const { entry } of local) {
    if (entry.action === "ChangeRequested" && detail.text(entry, "release") === name)
      changes.add(objectKey(entry));
    const change = detail.text(entry, "changeRequest");
    if (entry.object.kind === "Release" && entry.object.name === name && change !== undefined) {
      changes.add(`${namespace}/${change}`);
    }
    if (entry.object.kind === "DeploymentTask" && releaseOf(entry) === key) {
      tasks.add(objectKey(entry));
      if (change !== undefined) changes.add(`${namespace}/${change}`);
    }
  }
  const aboutChange = (e: StoredAuditEntry): boolean => {
    const change = e.object.kind === "ChangeRequest" ? e.object.name : detail.text(e, "changeRequest");
    return change !== undefined && changes.has(`${namespace}/${change}`);
  };
  for (const { entry } of local) {
    if (entry.action === "ReviewTaskOpened" && aboutChange(entry)) tasks.add(objectKey(entry));
  }
  const boundCheck = (e: StoredAuditEntry): boolean =>
    e.action === "TaskItemCompleted" &&
    revisions.has(`${detail.text(e, "environment") ?? ""}@${detail.text(e, "commit") ?? ""}`);
  return local.filter(
    ({ entry }) =>
      (entry.object.kind === "Release" && entry.object.name === name) ||
      aboutChange(entry) ||
      tasks.has(objectKey(entry)) ||
      boundCheck(entry),
  );
}

/** Each promotion, with the first outcome recorded for its environment and revision after it. */
function deploymentsOf(entries: readonly StoredAuditEntry[]): Deployment[] {
  const promotions = entries.filter((e) => e.action === "ReleasePromoted");
  return promotions.map((promotion, i) => {
    const environment = detail.text(promotion, "environment") ?? "";
    const revision = detail.text(promotion, "revision") ?? "";
    const next = promotions.slice(i + 1).find((p) => detail.text(p, "environment") === environment);
    const outcome = entries.find(
      (e) =>
        OUTCOMES.has(e.action) &&
        e.time >= promotion.time &&
        (next === undefined || e.time < next.time) &&
        detail.text(e, "environment") === environment,
    );
    const reasons = outcome === undefined ? [] : detail.texts(outcome, "reasons");
    return {
      time: promotion.time,
      environment,
      target: detail.text(promotion, "target") ?? "",
      revision,
      changeRequest: detail.text(promotion, "changeRequest") ?? "",
      outcome:
        outcome === undefined
          ? "no outcome recorded"
          : `${outcome.action.replace("Environment", "")}${reasons.length > 0 ? `: ${reasons.join(" ")}` : ""}`,
      outcomeAt: outcome?.time ?? "",
      verified: outcome?.action === "EnvironmentVerified",
    };
  });
}

/**
 * Builds the report of one release from the merged entries of the trails (in time order) and their chain proof.
 * Pure: the same entries give the same report.
 */
export function buildReleaseReport(
  items: readonly ExportedEntry[],
  release: { namespace: string; name: string },
  chain: ChainProof,
  generatedAt: Date,
): ReleaseReport {
  const selected = selectEntries(items, release.namespace, release.name);
  const entries = selected.map((i) => i.entry);
  const changes = [...collectChanges(entries).values()].map((s) => changeView(s, generatedAt));
  const rollbacks = [...collectRollbacks(entries).values()];
  return {
    kind: "release",
    title: `Release ${release.namespace}/${release.name}`,
    generatedAt: generatedAt.toISOString(),
    release,
    found: selected.length > 0,
    chain: { ...chain, unvouchedEntries: selected.filter((i) => !i.verified).length },
    deployments: deploymentsOf(entries),
    changes,
    emergencies: changes.filter((c) => c.emergency),
    checks: entries
      .filter((e) => e.action === "TaskItemCompleted" || e.action === "PipelineEventReceived")
      .filter((e) => !changes.some((c) => c.review?.task === e.object.name))
      .map(checkEvidence),
    verifications: entries
      .filter((e) => e.action === "VerificationPassed" || e.action === "VerificationFailed")
      .map(verificationResult),
    rollbacks,
    exceptions: exceptionsOf(entries, changes, () => true),
    timeline: timelineOf(selected),
  };
}
