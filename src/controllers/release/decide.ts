import { transitionDigest, transitionId, type AuditAction, type AuditEvent } from "../../audit/recorder.js";
import type { Condition } from "../../api/v1alpha1/condition.js";
import type {
  ReleaseEnvironmentState,
  ReleaseEnvironmentStatus,
  ReleaseSpec,
  ReleaseStatus,
} from "../../api/v1alpha1/release.js";
import { findCondition, removeCondition, setCondition } from "../../runtime/conditions.js";
import type { EventSpec } from "../../runtime/events.js";
import type { ReleaseAction } from "./actions.js";
import { decideEnvironmentStep, type EnvironmentInput, type EnvironmentStep } from "./environment-step.js";
import { gateWaitAudit, withGateWait } from "./gate-wait.js";
import { releaseKey } from "./names.js";
import { describeUnapproved, detectUnapproved, type UnapprovedDeployment } from "./out-of-band.js";
import type { ChartResolution } from "./resolve-charts.js";
import type { SourceResolution } from "./resolve-source.js";
import type { ResolvedChart } from "../../api/v1alpha1/resolved-chart.js";
import type { ResolvedSource } from "../../api/v1alpha1/resolved-source.js";
import { REFUSAL_REASONS, ReleaseCondition, ReleaseReason, STATE_EVENT_REASON } from "./reasons.js";

export type { ReleaseAction } from "./actions.js";
export type { EnvironmentInput } from "./environment-step.js";

/** Everything the decision about one Release needs, gathered by the reconciler (reads only). */
export interface ReleaseDecisionInput {
  release: {
    metadata: { name: string; namespace: string; uid: string; generation?: number | undefined };
    /** The spec to decide by: as declared, with a resolved branch or tag pinned to its commit. */
    spec: ReleaseSpec;
    /** The spec as declared; `spec` when nothing was resolved. */
    declared?: ReleaseSpec | undefined;
    status?: ReleaseStatus | undefined;
  };
  /** What the release's branch or tag resolved to in this pass (see `resolveSource`), or why it did not. */
  resolution?: SourceResolution | undefined;
  /** What the targets' chart version ranges resolved to in this pass (see `resolveCharts`), or why they did not. */
  charts?: ChartResolution | undefined;
  /** One entry per environment of `spec.pipeline`; a pipeline name without an entry counts as a missing Environment. */
  environments: readonly EnvironmentInput[];
}

/**
 * The complete desired status, the idempotent actions for the glue, the events and audit entries (read from the
 * difference between the stored and the decided status, so each is emitted once per transition), the unapproved
 * deployments found, and when to look again.
 */
export interface ReleaseDecision {
  status: ReleaseStatus;
  actions: ReleaseAction[];
  events: EventSpec[];
  /** Audit entries about the Release; the glue adds the object's uid. */
  audit: AuditEvent[];
  unapproved: UnapprovedDeployment[];
  /** Until the next window opens, when that is all that holds the current environment; absent otherwise. */
  requeueAfterMs?: number;
}

/**
 * Decides a Release's status and actions from its inputs and the clock. Environments are decided in pipeline order,
 * each seeing the state decided for the one before it, so none is ever skipped and none is promoted through a
 * closed gate; a Failed environment holds every later one Pending. Pure and deterministic: the same input and
 * `now` always give the same decision, and deciding again on the decided status adds nothing but the idempotent
 * Ensure actions.
 */
export function decideRelease(input: ReleaseDecisionInput, now: Date): ReleaseDecision {
  const { metadata, spec, declared, status: stored } = input.release;
  const resolved = input.resolution?.resolved;
  const charts = input.charts?.resolved ?? [];
  const self = releaseKey(metadata.namespace, metadata.name);
  const byName = new Map(input.environments.map((e) => [e.name, e]));
  const steps: EnvironmentStep[] = [];
  let previous: { name: string; state: ReleaseEnvironmentState; artifact?: string | undefined } | undefined;
  for (const name of spec.pipeline) {
    const step = decideEnvironmentStep({
      release: {
        name: metadata.name,
        uid: metadata.uid,
        spec,
        declared,
        unresolved: input.resolution?.problem,
        unresolvedCharts: input.charts?.problems,
      },
      self,
      input: byName.get(name) ?? { name, tasks: [] },
      target: spec.targets.find((t) => t.environment === name),
      stored: stored?.environments?.find((e) => e.name === name),
      previous,
      now,
    });
    steps.push(step);
    previous = { name, state: step.entry.state, artifact: step.entry.artifact };
  }

  // Each entry with what its gate waits on (ADR 0053), since when it has waited on that.
  const environments = steps.map((s) =>
    withGateWait(
      s,
      stored?.environments?.find((e) => e.name === s.entry.name),
      now,
    ),
  );
  const current = environments.find((e) => e.state !== "Verified") ?? environments[environments.length - 1];
  const observedGeneration = metadata.generation;
  const stalls = steps.flatMap((s) => (s.stall === undefined ? [] : [s.stall]));
  let conditions = setCondition(
    stored?.conditions,
    { type: ReleaseCondition.Ready, ...readiness(environments, current, stalls), observedGeneration },
    now,
  );
  const stall = stalls[0];
  conditions =
    stall === undefined
      ? removeCondition(conditions, ReleaseCondition.Stalled)
      : setCondition(
          conditions,
          {
            type: ReleaseCondition.Stalled,
            status: "True",
            reason: stall.reason,
            message: stalls.map((s) => s.message).join(" "),
            observedGeneration,
          },
          now,
        );
  const unapproved = steps.flatMap((s, i) => {
    const name = spec.pipeline[i] ?? s.entry.name;
    const found = detectUnapproved(
      self,
      s.entry,
      byName.get(name) ?? {},
      spec.targets.find((t) => t.environment === name),
      stored?.environments?.find((e) => e.name === name),
    );
    return found === undefined ? [] : [found];
  });
  conditions = unapprovedCondition(conditions, unapproved, observedGeneration, now);
  const status: ReleaseStatus = {
    ...(observedGeneration === undefined ? {} : { observedGeneration }),
    conditions,
    ...(resolved === undefined ? {} : { source: resolved }),
    ...(charts.length === 0 ? {} : { charts }),
    environments,
    ...(current === undefined ? {} : { currentEnvironment: current.name, currentState: current.state }),
  };
  const requeueAfterMs =
    current === undefined ? undefined : steps[environments.indexOf(current)]?.requeueAfterMs;
  return {
    status,
    actions: steps.flatMap((s) => s.actions),
    events: releaseEvents(stored, environments, conditions),
    audit: [
      ...releaseAudit(metadata, stored, environments, conditions, unapproved),
      ...refusalAudit(metadata, stored, steps),
      ...gateWaitAudit(metadata, stored, environments, now),
      ...resolutionAudit(metadata, stored, resolved),
      ...chartResolutionAudit(metadata, stored, charts),
    ],
    unapproved,
    ...(requeueAfterMs === undefined ? {} : { requeueAfterMs }),
  };
}

type Verdict = Pick<Condition, "status" | "reason" | "message">;

/**
 * `UnapprovedDeployment`: True naming each target that runs a revision nobody authorised; False once none does,
 * after it had been True (a release that never saw one carries no such condition).
 */
function unapprovedCondition(
  conditions: Condition[],
  unapproved: readonly UnapprovedDeployment[],
  observedGeneration: number | undefined,
  now: Date,
): Condition[] {
  const type = ReleaseCondition.UnapprovedDeployment;
  if (unapproved.length > 0) {
    return setCondition(
      conditions,
      {
        type,
        status: "True",
        reason: ReleaseReason.UnapprovedRevision,
        message: unapproved.map(describeUnapproved).join(" "),
        observedGeneration,
      },
      now,
    );
  }
  if (findCondition(conditions, type) === undefined) return conditions;
  return setCondition(
    conditions,
    {
      type,
      status: "False",
      reason: ReleaseReason.AuthorisedRevisions,
      message: "Every target this release deployed runs a revision an approved release authorised.",
      observedGeneration,
    },
    now,
  );
}

/** The Ready summary: Complete, else Failed, else stalled, else Gated or Promoting in the current environment. */
function readiness(
  environments: readonly ReleaseEnvironmentStatus[],
  current: ReleaseEnvironmentStatus | undefined,
  stalls: readonly { reason: string; message: string }[],
): Verdict {
  if (current === undefined || environments.every((e) => e.state === "Verified")) {
    return {
      status: "True",
      reason: ReleaseReason.Complete,
      message: `The release is Verified in every environment (${environments.map((e) => e.name).join(", ")}).`,
    };
  }
  const why = (current.reasons ?? []).join(" ");
  if (current.state === "Failed") {
    return {
      status: "False",
      reason: ReleaseReason.Failed,
      message: `The release failed in ${current.name}. ${why}`,
    };
  }
  const stall = stalls[0];
  if (stall !== undefined) return { status: "False", reason: stall.reason, message: stall.message };
  if (current.state === "Gated") {
    return {
      status: "Unknown",
      reason: ReleaseReason.Gated,
      message: `The release waits at the gate of ${current.name}. ${why}`,
    };
  }
  const state = current.state.toLowerCase();
  return {
    status: "Unknown",
    reason: ReleaseReason.Promoting,
    message: `The release is ${state} in ${current.name}.${why === "" ? "" : ` ${why}`}`,
  };
}

/**
 * The events of a decision, read from the difference between the stored and the decided status so each fires
 * once per transition: Normal when an environment enters a state (Warning for Failed; a first decision does not
 * announce Pending), and Warning when the release stalls or its stall changes.
 */
function releaseEvents(
  stored: ReleaseStatus | undefined,
  environments: readonly ReleaseEnvironmentStatus[],
  conditions: readonly Condition[],
): EventSpec[] {
  const events: EventSpec[] = [];
  for (const env of environments) {
    const before = stored?.environments?.find((e) => e.name === env.name)?.state;
    if (before === env.state || (before === undefined && env.state === "Pending")) continue;
    const why = (env.reasons ?? []).join(" ");
    events.push({
      type: env.state === "Failed" ? "Warning" : "Normal",
      reason: STATE_EVENT_REASON[env.state],
      message: `The release is ${env.state} in ${env.name}${env.revision === undefined ? "" : ` at revision ${env.revision}`}.${why === "" ? "" : ` ${why}`}`,
    });
  }
  for (const type of [ReleaseCondition.Stalled, ReleaseCondition.UnapprovedDeployment]) {
    const changed = raised(stored, conditions, type);
    if (changed !== undefined) {
      events.push({
        type: "Warning",
        reason: type === ReleaseCondition.Stalled ? changed.reason : type,
        message: changed.message,
      });
    }
  }
  return events;
}

/** A condition that is True now with another reason or message than before (a new or changed finding). */
function raised(
  stored: ReleaseStatus | undefined,
  conditions: readonly Condition[],
  type: string,
): Condition | undefined {
  const now = findCondition(conditions, type);
  const was = findCondition(stored?.conditions, type);
  if (now === undefined || now.status !== "True") return undefined;
  const same = was?.status === "True" && was.reason === now.reason && was.message === now.message;
  return same ? undefined : now;
}

/**
 * One `GateRefused` entry for each refusal a gate newly reports (its message was not among the environment's
 * stored reasons): a target the environment does not own, a skipped stage, a mutable revision, a shared source, a
 * change Stagegate did not open. The attempt is on the record even though nothing was written.
 */
function refusalAudit(
  metadata: ReleaseDecisionInput["release"]["metadata"],
  stored: ReleaseStatus | undefined,
  steps: readonly EnvironmentStep[],
): AuditEvent[] {
  const object = { kind: "Release", namespace: metadata.namespace, name: metadata.name };
  return steps.flatMap((step) => {
    const before = stored?.environments?.find((e) => e.name === step.entry.name)?.reasons ?? [];
    return (step.verdict?.blocking ?? [])
      .filter((b) => REFUSAL_REASONS.has(b.reason) && !before.includes(b.message))
      .map((b) => ({
        actor: "stagegate-operator",
        action: "GateRefused" as const,
        object,
        details: { environment: step.entry.name, reason: b.reason, message: b.message },
        transition: transitionId(
          "Release",
          metadata.uid,
          "GateRefused",
          step.entry.name,
          transitionDigest([b.reason, b.message, before]),
        ),
      }));
  });
}

/** The audit action of an environment entering a state; only deliveries' outcomes are audited here. */
const STATE_AUDIT: Partial<Record<ReleaseEnvironmentState, AuditAction>> = {
  Deployed: "EnvironmentDeployed",
  Verified: "EnvironmentVerified",
  Failed: "EnvironmentFailed",
};

/**
 * The audit entries of a decision, once per transition: an environment Deployed, Verified or Failed (promotions
 * and locks are audited by the glue when it writes them), and each new unapproved deployment.
 */
function releaseAudit(
  metadata: ReleaseDecisionInput["release"]["metadata"],
  stored: ReleaseStatus | undefined,
  environments: readonly ReleaseEnvironmentStatus[],
  conditions: readonly Condition[],
  unapprovedDeployments: readonly UnapprovedDeployment[],
): AuditEvent[] {
  const object = { kind: "Release", namespace: metadata.namespace, name: metadata.name };
  const audit: AuditEvent[] = [];
  for (const env of environments) {
    const action = STATE_AUDIT[env.state];
    const before = stored?.environments?.find((e) => e.name === env.name);
    if (action === undefined || (before?.state === env.state && before.revision === env.revision)) continue;
    audit.push({
      actor: "stagegate-operator",
      action,
      object,
      details: {
        environment: env.name,
        ...(env.revision === undefined ? {} : { revision: env.revision }),
        ...(env.reasons === undefined ? {} : { reasons: env.reasons }),
      },
      transition: transitionId(
        "Release",
        metadata.uid,
        action,
        env.name,
        env.promotions ?? 0,
        transitionDigest([env.revision ?? "", before?.state ?? "", before?.revision ?? ""]),
      ),
    });
  }
  const unapproved = raised(stored, conditions, ReleaseCondition.UnapprovedDeployment);
  if (unapproved !== undefined) {
    audit.push({
      actor: "stagegate-operator",
      action: "UnapprovedDeployment",
      object,
      details: {
        message: unapproved.message,
        deployments: unapprovedDeployments.map((u) => ({ ...u })),
      },
      // The finding and the condition it replaces: found again after a crash, it is the same transition.
      transition: transitionId(
        "Release",
        metadata.uid,
        "UnapprovedDeployment",
        transitionDigest([
          unapproved.message,
          findCondition(stored?.conditions, ReleaseCondition.UnapprovedDeployment) ?? null,
        ]),
      ),
    });
  }
  return audit;
}

/** One `RevisionResolved` entry when the release's branch or tag is resolved to a commit (again, after an edit). */
function resolutionAudit(
  metadata: ReleaseDecisionInput["release"]["metadata"],
  stored: ReleaseStatus | undefined,
  resolved: ResolvedSource | undefined,
): AuditEvent[] {
  const before = stored?.source;
  if (
    resolved === undefined ||
    (before?.ref === resolved.ref && before.commit === resolved.commit && before.repoURL === resolved.repoURL)
  ) {
    return [];
  }
  return [
    {
      actor: "stagegate-operator",
      action: "RevisionResolved",
      object: { kind: "Release", namespace: metadata.namespace, name: metadata.name },
      details: {
        repoURL: resolved.repoURL,
        ref: resolved.ref,
        commit: resolved.commit,
        resolvedAt: resolved.resolvedAt,
      },
      transition: transitionId(
        "Release",
        metadata.uid,
        "RevisionResolved",
        transitionDigest([resolved.repoURL, resolved.ref, resolved.commit, before ?? null]),
      ),
    },
  ];
}

/** One `RevisionResolved` entry for each chart version range newly resolved to a version (again, after an edit). */
function chartResolutionAudit(
  metadata: ReleaseDecisionInput["release"]["metadata"],
  stored: ReleaseStatus | undefined,
  charts: readonly ResolvedChart[],
): AuditEvent[] {
  const same = (a: ResolvedChart, b: ResolvedChart): boolean =>
    a.environment === b.environment &&
    a.helmRelease === b.helmRelease &&
    a.range === b.range &&
    a.version === b.version &&
    a.repositoryURL === b.repositoryURL;
  return charts
    .filter((chart) => !(stored?.charts ?? []).some((before) => same(before, chart)))
    .map((chart) => ({
      actor: "stagegate-operator",
      action: "RevisionResolved" as const,
      object: { kind: "Release", namespace: metadata.namespace, name: metadata.name },
      details: {
        environment: chart.environment,
        helmRelease: chart.helmRelease,
        repositoryURL: chart.repositoryURL,
        chart: chart.chart,
        range: chart.range,
        version: chart.version,
        ...(chart.digest === undefined ? {} : { digest: chart.digest }),
        resolvedAt: chart.resolvedAt,
      },
      transition: transitionId(
        "Release",
        metadata.uid,
        "RevisionResolved",
        chart.environment,
        transitionDigest([
          chart.helmRelease,
          chart.repositoryURL,
          chart.range,
          chart.version,
          stored?.charts ?? [],
        ]),
      ),
    }));
}
