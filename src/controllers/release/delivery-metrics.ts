import { Counter, Histogram, type Registry } from "prom-client";
import { dimensionsOf } from "../../api/v1alpha1/dimensions.js";
import type { ReleaseEnvironmentStatus, ReleaseStatus } from "../../api/v1alpha1/release.js";
import type { AuditEvent } from "../../audit/recorder.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { isGateCategory } from "../../policy/gate-categories.js";

/** At most this many teams get their own label value; later ones count as "other" (bounded cardinality). */
export const MAX_TEAM_VALUES = 50;

/** Seconds from one second to a week: gates wait minutes to days, deployments seconds to hours. */
const BUCKETS = [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86_400, 3 * 86_400, 7 * 86_400];

/** Observes each promotion the Release controller puts on record as Verified or Failed. */
export interface DeliveryMetrics {
  observe(release: KubeObject, status: ReleaseStatus, recorded: readonly AuditEvent[]): void;
}

/** Label values of a dimension, of which at most `max` distinct ones are kept; the rest read as "other". */
class BoundedValues {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}
  value(raw: string | undefined): string {
    if (raw === undefined) return "";
    if (this.seen.has(raw)) return raw;
    if (this.seen.size >= this.max) return "other";
    this.seen.add(raw);
    return raw;
  }
}

const seconds = (from: string | undefined, to: string | undefined): number | undefined =>
  from === undefined || to === undefined ? undefined : (Date.parse(to) - Date.parse(from)) / 1000;

/**
 * `stagegate_promotions_total{environment,outcome,team}`, `stagegate_promotion_phase_seconds{environment,phase,team}`
 * (gate: requested to cleared; deploying: started to deployed; verifying: deployed to verified) and
 * `stagegate_release_lead_time_seconds{environment,team}` (the Release created to verified in the environment), each
 * observed once, when the status that records the outcome is written; and
 * `stagegate_gate_wait_seconds{environment,category,team}`, the time a gate waited on one category, observed when the
 * status that records the change of category (and its `GateWaitChanged` entry) is written. The team is the release's
 * `stagegate.io/team` label, of which only {@link MAX_TEAM_VALUES} values are kept. The exports of
 * `stagegate insights` compute the same from the audit trail, which survives restarts (ADR 0042).
 */
export function registerDeliveryMetrics(registry: Registry): DeliveryMetrics {
  const promotions = new Counter({
    name: "stagegate_promotions_total",
    help: "Promotions that ended, by environment, outcome (verified or failed) and team",
    labelNames: ["environment", "outcome", "team"],
    registers: [registry],
  });
  const phases = new Histogram({
    name: "stagegate_promotion_phase_seconds",
    help: "Time a promotion spent waiting at the gate, deploying and verifying, by environment and team",
    labelNames: ["environment", "phase", "team"],
    buckets: BUCKETS,
    registers: [registry],
  });
  const leadTime = new Histogram({
    name: "stagegate_release_lead_time_seconds",
    help: "Time from a Release's creation to its verification in an environment, by environment and team",
    labelNames: ["environment", "team"],
    buckets: BUCKETS,
    registers: [registry],
  });
  const gateWaits = new Histogram({
    name: "stagegate_gate_wait_seconds",
    help:
      "Time an environment's gate waited on one category (refused, previous, checks, approvals, window, freeze, " +
      "lock) before that changed, by environment, category and team",
    labelNames: ["environment", "category", "team"],
    buckets: BUCKETS,
    registers: [registry],
  });
  const teams = new BoundedValues(MAX_TEAM_VALUES);
  const observePhase = (environment: string, phase: string, team: string, value: number | undefined) => {
    if (value !== undefined && value >= 0) phases.observe({ environment, phase, team }, value);
  };
  return {
    observe(release, status, recorded) {
      for (const entry of recorded) {
        if (entry.action !== "GateWaitChanged") continue;
        const previous = entry.details.previous as
          { category?: unknown; waitedSeconds?: unknown } | undefined;
        const category = previous?.category;
        const waited = previous?.waitedSeconds;
        const environment = entry.details.environment;
        // The category is one of the fixed set the operator decided (ADR 0053): a bounded label.
        if (!isGateCategory(category) || typeof waited !== "number" || typeof environment !== "string")
          continue;
        if (waited < 0) continue;
        const team = teams.value(dimensionsOf(release.metadata.labels).team);
        gateWaits.observe({ environment, category, team }, waited);
      }
      const outcomes = recorded.filter(
        (e) => e.action === "EnvironmentVerified" || e.action === "EnvironmentFailed",
      );
      if (outcomes.length === 0) return;
      // Taken only for an outcome, so a release that never ends a promotion holds no team value's place.
      const team = teams.value(dimensionsOf(release.metadata.labels).team);
      for (const entry of outcomes) {
        const environment = typeof entry.details.environment === "string" ? entry.details.environment : "";
        const env: ReleaseEnvironmentStatus | undefined = status.environments?.find(
          (e) => e.name === environment,
        );
        if (env === undefined) continue;
        const verified = entry.action === "EnvironmentVerified";
        promotions.inc({ environment, outcome: verified ? "verified" : "failed", team });
        observePhase(environment, "gate", team, seconds(env.requestedAt, env.gateClearedAt));
        observePhase(environment, "deploying", team, seconds(env.deployStartedAt, env.deployedAt));
        observePhase(environment, "verifying", team, seconds(env.deployedAt, env.verifiedAt));
        const created = release.metadata.creationTimestamp;
        const lead = verified ? seconds(created, env.verifiedAt) : undefined;
        if (lead !== undefined && lead >= 0) leadTime.observe({ environment, team }, lead);
      }
    },
  };
}
