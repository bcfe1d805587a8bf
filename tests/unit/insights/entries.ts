// Entry lists for the insights' unit tests: entries shaped as the controllers record them (src/controllers/**,
// src/receivers/**), at chosen times, as the export reads them (source, verified).
import type { StoredAuditEntry } from "../../../src/audit/entry.js";
import type { ExportedEntry } from "../../../src/audit/export/sources.js";

const ZERO = "0".repeat(64);

/** One entry as a trail stores it (the hashes are placeholders: these tests never verify a chain). */
export function entry(
  time: string,
  action: string,
  object: StoredAuditEntry["object"],
  details: Record<string, unknown>,
  actor = "stagegate-operator",
): StoredAuditEntry {
  return {
    seq: 1,
    time,
    actor,
    action,
    object,
    details: details as StoredAuditEntry["details"],
    prevHash: ZERO,
    hash: ZERO,
  };
}

/** The entries as an export reads them from one trail: vouched for unless listed in `forged`. */
export function exported(
  entries: readonly StoredAuditEntry[],
  forged: readonly StoredAuditEntry[] = [],
): ExportedEntry[] {
  return [
    ...entries.map((e) => ({ source: "audit-0.jsonl", verified: true, entry: e })),
    ...forged.map((e) => ({ source: "audit-0.jsonl", verified: false, entry: e })),
  ].sort((a, b) => Date.parse(a.entry.time) - Date.parse(b.entry.time));
}

/** A release in a namespace, and the entries its life records. */
export interface StoryRelease {
  namespace: string;
  name: string;
}

const release = (r: StoryRelease) => ({ kind: "Release", namespace: r.namespace, name: r.name });

/** `ReleasePromoted` as apply.ts records it, optionally with recorded dimensions (ADR 0042). */
export function promoted(
  r: StoryRelease,
  time: string,
  environment: string,
  revision: string,
  extra: Record<string, unknown> = {},
): StoredAuditEntry {
  return entry(time, "ReleasePromoted", release(r), {
    environment,
    target: `Argo CD Application ${r.namespace}/${r.name}-${environment}`,
    revision,
    requested: true,
    message: `Requested a sync of the application to ${revision}.`,
    ...extra,
  });
}

/** An environment entering a state, as decide.ts records it. */
export function environmentState(
  r: StoryRelease,
  time: string,
  action: "EnvironmentDeployed" | "EnvironmentVerified" | "EnvironmentFailed",
  environment: string,
  revision: string,
  reasons?: string[],
): StoredAuditEntry {
  return entry(time, action, release(r), {
    environment,
    revision,
    ...(reasons === undefined ? {} : { reasons }),
  });
}

/** `ChangeRequested` as change-requested.ts records it. */
export function changeRequested(
  r: StoryRelease,
  time: string,
  change: string,
  environment: string,
  type: "Normal" | "Emergency" = "Normal",
): StoredAuditEntry {
  return entry(
    time,
    "ChangeRequested",
    { kind: "ChangeRequest", namespace: r.namespace, name: change },
    {
      message: `Requested a ${type} change to ${environment} for release ${r.name}.`,
      changeRequest: change,
      environment,
      type,
      release: r.name,
      requestedBy: { username: "stagegate-operator", groups: ["stagegate:operators"] },
    },
  );
}

/** `ChangeApproved` as change-request-follow.ts records it, settled by `by` at `time`. */
export function changeApproved(r: StoryRelease, time: string, change: string, by: string): StoredAuditEntry {
  return entry(
    time,
    "ChangeApproved",
    { kind: "ChangeRequest", namespace: r.namespace, name: change },
    {
      message: `Approval ${change} (round 1): Approved, settled by ${by}.`,
      changeRequest: change,
      approval: change,
      round: 1,
      resolvedBy: by,
      resolvedAt: time,
      approvers: [by],
    },
  );
}

/** `TaskItemCompleted` as item-audit.ts records it. */
export function checkCompleted(
  r: StoryRelease,
  time: string,
  environment: string,
  commit: string,
  by: string,
  type = "SecurityScan",
  notes = "clean",
): StoredAuditEntry {
  return entry(
    time,
    "TaskItemCompleted",
    {
      kind: "DeploymentTask",
      namespace: r.namespace,
      name: `${r.name}-${environment}-${type.toLowerCase()}`,
    },
    {
      type,
      environment,
      commit,
      completedBy: by,
      completedAt: time,
      items: [{ name: "scan-run", state: "Done", evidence: { result: "Passed", notes } }],
    },
    by,
  );
}

/** `VerificationFailed` as verification/evidence.ts records it. */
export function verificationFailed(
  r: StoryRelease,
  time: string,
  environment: string,
  revision: string,
  value: number,
): StoredAuditEntry {
  return entry(
    time,
    "VerificationFailed",
    { kind: "DeploymentTask", namespace: r.namespace, name: `${r.name}-${environment}-verification` },
    {
      release: r.name,
      environment,
      revision,
      prometheusURL: "http://prometheus:9090",
      window: "10m",
      interval: "1m",
      deployedAt: time,
      check: "error-rate",
      measuredAt: time,
      purpose: "threshold",
      message: `error-rate measured ${value}, above the threshold 0.05.`,
      value,
      rollbackTask: `${r.name}-${environment}-verification-rollback`,
    },
  );
}

/** `VerificationMeasured` as verification/evidence.ts records it. */
export function verificationMeasured(
  r: StoryRelease,
  time: string,
  environment: string,
  revision: string,
  baselines: Record<string, number>,
): StoredAuditEntry {
  return entry(
    time,
    "VerificationMeasured",
    { kind: "DeploymentTask", namespace: r.namespace, name: `${r.name}-${environment}-verification` },
    {
      release: r.name,
      environment,
      revision,
      prometheusURL: "http://prometheus:9090",
      window: "10m",
      interval: "1m",
      deployedAt: time,
      baselineAt: time,
      baselines,
    },
  );
}

/** `GateWaitChanged` as gate-wait.ts records it: what the gate of a promotion waits on from now on (ADR 0053). */
export function gateWaitChanged(
  r: StoryRelease,
  time: string,
  environment: string,
  promotion: number,
  categories: string[],
  reasons: string[],
): StoredAuditEntry {
  return {
    ...entry(time, "GateWaitChanged", release(r), {
      environment,
      promotion,
      state: categories.length === 0 ? "Deploying" : "Gated",
      categories,
      category: categories[0] ?? "none",
      reasons,
    }),
    transition: `Release/uid-${r.name}/GateWaitChanged/${environment}/${promotion}/${time}`,
  };
}
