import type { ExportedEntry } from "../export/sources.js";
import type { StoredAuditEntry } from "../entry.js";
import type { ChainProof } from "./chain-proof.js";
import { changeView, type ChangeView } from "./change-view.js";
import { collectChanges } from "./changes.js";
import { detail, releaseOf } from "./details.js";
import { exceptionsOf, type ExceptionRow } from "./exceptions.js";

/** Which part of the record a period report covers. */
export interface PeriodScope {
  since: Date;
  until: Date;
  /** The environments in scope (for example the regulated ones); undefined covers every environment. */
  environments: ReadonlySet<string> | undefined;
  namespace: string | undefined;
}

/** One change to an environment in the period: a promotion or a rollback, with who asked and who approved. */
export interface PeriodChange {
  time: string;
  kind: "Promotion" | "Rollback";
  release: string;
  environment: string;
  revision: string;
  changeRequest: string;
  changeType: string;
  requestedBy: string;
  approvedBy: string;
  separationOfDuties: string;
  /** The change it went through was approved (false: no approved change is recorded for it). */
  approved: boolean;
  vouched: boolean;
}

/** Counts a reader checks first. */
export interface PeriodCounts {
  changes: number;
  promotions: number;
  rollbacks: number;
  exceptions: number;
  emergencies: number;
  expiredApprovals: number;
  unapprovedDeployments: number;
  separationViolations: number;
}

/**
 * The period report's model: every change to the environments in scope between `since` and `until`, and the
 * exceptions (emergency changes and their reviews, expired approvals, unapproved deployments detected, broken
 * separation of duties), with the chain proof.
 */
export interface PeriodReport {
  kind: "period";
  title: string;
  generatedAt: string;
  since: string;
  until: string;
  scope: string;
  chain: ChainProof;
  changes: PeriodChange[];
  exceptions: ExceptionRow[];
  hasExceptions: boolean;
  counts: PeriodCounts;
}

function inPeriod(scope: PeriodScope, time: string): boolean {
  const t = Date.parse(time);
  return t >= scope.since.getTime() && t < scope.until.getTime();
}

function inEnvironments(scope: PeriodScope, environment: string | undefined): boolean {
  return (
    scope.environments === undefined || (environment !== undefined && scope.environments.has(environment))
  );
}

function changeRow(
  entry: StoredAuditEntry,
  vouched: boolean,
  changes: ReadonlyMap<string, ChangeView>,
): PeriodChange {
  const rollback = entry.action === "RollbackStarted";
  const changeName = rollback ? detail.text(entry, "breakGlass") : detail.text(entry, "changeRequest");
  const change =
    changeName === undefined ? undefined : changes.get(`${entry.object.namespace ?? ""}/${changeName}`);
  const approvers = change?.approvers.length ? change.approvers.join(", ") : (change?.resolvedBy ?? "");
  return {
    time: entry.time,
    kind: rollback ? "Rollback" : "Promotion",
    release: releaseOf(entry) ?? `${entry.object.namespace ?? ""}/${entry.object.name}`,
    environment: detail.text(entry, "environment") ?? "",
    revision: rollback
      ? `${detail.text(entry, "from") ?? "?"} → ${detail.text(entry, "to") ?? "?"}`
      : (detail.text(entry, "revision") ?? ""),
    changeRequest: changeName ?? "",
    changeType: change?.type ?? (rollback ? "Rollback" : ""),
    requestedBy: change?.requestedBy ?? (rollback ? entry.actor : ""),
    approvedBy: change?.resolution === "Approved" ? approvers : "",
    separationOfDuties: change?.separationOfDuties.message ?? "",
    approved: change?.resolution === "Approved",
    vouched,
  };
}

/** Builds the report of a period from the merged entries of the trails (in time order). Pure. */
export function buildPeriodReport(
  items: readonly ExportedEntry[],
  scope: PeriodScope,
  chain: ChainProof,
  generatedAt: Date,
): PeriodReport {
  const local = items.filter(
    (i) => scope.namespace === undefined || i.entry.object.namespace === scope.namespace,
  );
  const entries = local.map((i) => i.entry);
  const stories = collectChanges(entries);
  const changes = new Map([...stories].map(([key, story]) => [key, changeView(story, scope.until)]));
  const rows = local
    .filter(
      ({ entry }) =>
        (entry.action === "ReleasePromoted" || entry.action === "RollbackStarted") &&
        inPeriod(scope, entry.time) &&
        inEnvironments(scope, detail.text(entry, "environment")),
    )
    .map(({ entry, verified }) => changeRow(entry, verified, changes));
  const exceptions = exceptionsOf(
    entries,
    [...changes.values()],
    (time, environment) => inPeriod(scope, time) && inEnvironments(scope, environment),
  );
  const count = (kind: ExceptionRow["kind"]) => exceptions.filter((e) => e.kind === kind).length;
  const environments =
    scope.environments === undefined ? "every environment" : [...scope.environments].join(", ");
  return {
    kind: "period",
    title: `Changes from ${scope.since.toISOString()} to ${scope.until.toISOString()}`,
    generatedAt: generatedAt.toISOString(),
    since: scope.since.toISOString(),
    until: scope.until.toISOString(),
    scope: `${environments}${scope.namespace === undefined ? "" : `, namespace ${scope.namespace}`}`,
    chain: {
      ...chain,
      unvouchedEntries: local.filter((i) => !i.verified && inPeriod(scope, i.entry.time)).length,
    },
    changes: rows,
    exceptions,
    hasExceptions: exceptions.length > 0,
    counts: {
      changes: rows.length,
      promotions: rows.filter((r) => r.kind === "Promotion").length,
      rollbacks: rows.filter((r) => r.kind === "Rollback").length,
      exceptions: exceptions.length,
      emergencies: count("Emergency change"),
      expiredApprovals: count("Expired approval"),
      unapprovedDeployments: count("Unapproved deployment"),
      separationViolations: count("Separation of duties violated"),
    },
  };
}
