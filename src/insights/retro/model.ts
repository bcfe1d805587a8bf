import type { StoredAuditEntry } from "../../audit/entry.js";
import type { ExportedEntry } from "../../audit/export/sources.js";
import { changeView } from "../../audit/reports/change-view.js";
import type { ChainProof } from "../../audit/reports/chain-proof.js";
import { collectChanges } from "../../audit/reports/changes.js";
import { selectEntries } from "../../audit/reports/release-model.js";
import { collectRollbacks, type RollbackStory } from "../../audit/reports/rollbacks.js";
import { detectPatterns, indexEntries, UNRECORDED_PATTERNS } from "../patterns/patterns.js";
import { collectPromotions } from "../patterns/promotions.js";
import { usualHoursOf, type UsualHours } from "../patterns/usual-hours.js";
import {
  alertsOf,
  failuresOf,
  measurementsOf,
  type HealthMeasurement,
  type RetroAlert,
  type RetroFailure,
} from "./health.js";
import { questionsFor } from "./questions.js";
import { retroTimeline, type RetroStep } from "./timeline.js";
import { waitsOf, type EnvironmentWait } from "./waits.js";

/** How the retrospective judges the patterns (as `stagegate insights failures` does). */
export interface RetroOptions {
  lateWithinMs: number;
  usualHours: UsualHours | undefined;
  timeZone: string;
}

/** A promotion as the retrospective lists it, with the patterns it showed. */
export interface RetroPromotion {
  time: string;
  environment: string;
  revision: string;
  changeRequest: string;
  outcome: string;
  patterns: string[];
}

/**
 * A release's retrospective: its timeline, where it waited, what failed and why, the health measured, the alerts and
 * the rollback, and questions for the team. Facts come only from entries the chain vouches for; the timeline shows
 * the others marked. Templates and the Markdown writer render it; nothing in it is markup.
 */
export interface RetroModel {
  kind: "retro";
  title: string;
  generatedAt: string;
  release: { namespace: string; name: string };
  chain: ChainProof;
  found: boolean;
  usualHours: string;
  promotions: RetroPromotion[];
  timeline: RetroStep[];
  waits: EnvironmentWait[];
  failures: RetroFailure[];
  measurements: HealthMeasurement[];
  alerts: RetroAlert[];
  rollbacks: RollbackStory[];
  questions: string[];
  notRecorded: string[];
}

/** The entries a retrospective reads: the namespace's (for the release's story) and every promotion (usual hours). */
export function retroKeeps(namespace: string): (entry: StoredAuditEntry) => boolean {
  return (entry) => entry.object.namespace === namespace || entry.action === "ReleasePromoted";
}

/**
 * Builds the retrospective of one release from the merged entries of the trails (time order) and their chain proof.
 * The story is chosen by the release report's own selection (`selectEntries`). Pure.
 */
export function buildRetro(
  items: readonly ExportedEntry[],
  release: { namespace: string; name: string },
  chain: ChainProof,
  generatedAt: Date,
  options: RetroOptions,
): RetroModel {
  const key = `${release.namespace}/${release.name}`;
  const selected = selectEntries(items, release.namespace, release.name);
  const vouched = selected.filter((i) => i.verified).map((i) => i.entry);
  const allVouched = items.filter((i) => i.verified).map((i) => i.entry);
  const index = indexEntries(allVouched.filter((e) => e.object.namespace === release.namespace));
  const usualHours =
    options.usualHours ??
    usualHoursOf(
      allVouched.filter((e) => e.action === "ReleasePromoted").map((e) => e.time),
      options.timeZone,
    );
  const promotions = collectPromotions(vouched).filter((p) => p.release === key);
  const judged = promotions.map((promotion) => ({
    promotion,
    hits: detectPatterns(promotion, index, { lateWithinMs: options.lateWithinMs, usualHours }),
  }));
  const waits = waitsOf(promotions, vouched, index);
  const rollbacks = [...collectRollbacks(vouched).values()];
  const alerts = alertsOf(vouched);
  const changes = [...collectChanges(vouched).values()].map((s) => changeView(s, generatedAt));
  return {
    kind: "retro",
    title: `Retrospective of release ${key}`,
    generatedAt: generatedAt.toISOString(),
    release,
    chain: { ...chain, unvouchedEntries: selected.filter((i) => !i.verified).length },
    found: selected.length > 0,
    usualHours: usualHours?.source ?? "not judged: no promotion recorded",
    promotions: judged.map(({ promotion, hits }) => ({
      time: promotion.time,
      environment: promotion.environment,
      revision: promotion.revision,
      changeRequest: promotion.changeRequest ?? "",
      outcome:
        promotion.failures.length === 0
          ? "no failure recorded"
          : promotion.failures.map((f) => `${f.action}: ${f.summary}`).join("; "),
      patterns: hits.map((h) => `${h.pattern}: ${h.evidence}`),
    })),
    timeline: retroTimeline(selected),
    waits,
    failures: failuresOf(vouched),
    measurements: measurementsOf(vouched),
    alerts,
    rollbacks,
    questions: questionsFor({ judged, waits, rollbacks, alerts, changes }),
    notRecorded: [
      ...Object.values(UNRECORDED_PATTERNS),
      "the size of a change set where the operator did not read its commits from git (ApprovalOpened records it then)",
      "when check tasks were opened: the trail does not record it",
      ...(waits.some((w) => w.gate === undefined)
        ? [
            "what the gate waited on for a promotion with no GateWaitChanged entry (recorded since ADR 0053): its " +
              "wait on a lock, a window or a freeze is counted as unexplained",
          ]
        : []),
    ],
  };
}
