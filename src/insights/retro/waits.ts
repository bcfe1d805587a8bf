import type { StoredAuditEntry } from "../../audit/entry.js";
import type { ChangeStory } from "../../audit/reports/changes.js";
import { detail } from "../../audit/reports/details.js";
import type { PatternIndex } from "../patterns/patterns.js";
import type { Promotion } from "../patterns/promotions.js";
import { between, formatSpan } from "../patterns/span.js";
import { gateWaitsOf, type GateWaitSpan } from "./gate-waits.js";

/** One part of an environment's wait, from one recorded fact to another. */
export interface WaitPart {
  /** checks, approvals, deploying or verifying; `gate <category>` for what the gate recorded it waited on. */
  part: string;
  from: string;
  to: string;
  ms: number;
  span: string;
  /** What the part is measured between, in words. */
  between: string;
}

/** Where one promotion of the release waited: before its gate cleared, then deploying and verifying. */
export interface EnvironmentWait {
  environment: string;
  revision: string;
  /** When the promotion was asked for, as far as the trail tells. */
  requestedAt: string;
  /** Which fact `requestedAt` is. */
  requestedFrom: string;
  gateClearedAt: string;
  /** From the request to the gate cleared. */
  toGate: string;
  toGateMs: number;
  parts: WaitPart[];
  /**
   * What the gate recorded it waited on (`GateWaitChanged`, ADR 0053), span by span; undefined when the trail holds no
   * such entry for this promotion (written before they were recorded).
   */
  gate: GateWaitSpan[] | undefined;
  /** The wait to the gate that no recorded part explains (the operator, or what the trail did not record). */
  unexplained: string;
  unexplainedMs: number;
  /** What the trail does not record about this wait. */
  notRecorded: string[];
}

function part(name: string, from: string, to: string, words: string): WaitPart | undefined {
  const ms = between(from, to);
  if (!Number.isFinite(ms) || ms < 0) return undefined;
  return { part: name, from, to, ms, span: formatSpan(ms), between: words };
}

/** The length of the union of [from, to] intervals, clipped to [start, end]. */
function covered(parts: readonly WaitPart[], start: string, end: string): number {
  const lo = Date.parse(start);
  const hi = Date.parse(end);
  const spans = parts
    .map((p) => [Math.max(lo, Date.parse(p.from)), Math.min(hi, Date.parse(p.to))] as const)
    .filter(([a, b]) => b > a)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let reach = lo;
  for (const [a, b] of spans) {
    const from = Math.max(a, reach);
    if (b > from) total += b - from;
    reach = Math.max(reach, b);
  }
  return total;
}

/** The first entry of `actions` about the environment at or after `from` and before `before` (if given). */
function firstAfter(
  entries: readonly StoredAuditEntry[],
  actions: ReadonlySet<string>,
  environment: string,
  from: string,
  before: string | undefined,
): StoredAuditEntry | undefined {
  const start = Date.parse(from);
  const end = before === undefined ? Number.POSITIVE_INFINITY : Date.parse(before);
  return entries.find((e) => {
    const at = Date.parse(e.time);
    return actions.has(e.action) && detail.text(e, "environment") === environment && at >= start && at < end;
  });
}

const DEPLOYED = new Set(["EnvironmentDeployed", "EnvironmentFailed"]);
const CONCLUDED = new Set([
  "EnvironmentVerified",
  "VerificationPassed",
  "VerificationFailed",
  "EnvironmentFailed",
]);

/** When the promotion was asked for: its change's request, else the previous stage verified, else the first entry. */
function requestOf(
  promotion: Promotion,
  story: ChangeStory | undefined,
  entries: readonly StoredAuditEntry[],
): { at: string; from: string } {
  if (story?.requestedAt !== undefined) {
    return { at: story.requestedAt, from: `ChangeRequested ${story.name}` };
  }
  const at = Date.parse(promotion.time);
  const previous = entries
    .filter(
      (e) =>
        e.action === "EnvironmentVerified" &&
        detail.text(e, "environment") !== promotion.environment &&
        Date.parse(e.time) <= at,
    )
    .at(-1);
  if (previous !== undefined) {
    return { at: previous.time, from: `${detail.text(previous, "environment") ?? "?"} verified` };
  }
  const first = entries[0];
  return first === undefined
    ? { at: promotion.time, from: "the promotion itself (nothing earlier is recorded)" }
    : { at: first.time, from: `the first entry about the release (${first.action})` };
}

function gatePart(span: GateWaitSpan): WaitPart {
  const reasons = span.reasons.length === 0 ? "" : ` (${span.reasons.join(", ")})`;
  return {
    part: `gate ${span.category}`,
    from: span.from,
    to: span.to,
    ms: span.ms,
    span: span.span,
    between: `GateWaitChanged: the gate waited on ${span.categories.join(" and ")}${reasons}`,
  };
}

/**
 * Where each promotion of the release waited, from the vouched entries about it (in time order): checks (from the
 * request to the last check item completed for the environment and revision), approvals (ChangeRequested to
 * ChangeApproved), what the gate itself recorded it waited on (GateWaitChanged: checks, approvals, a window, a
 * freeze, a lock, a refusal), deploying (ReleasePromoted to EnvironmentDeployed) and verifying (to
 * EnvironmentVerified or the verification's result). Parts may overlap; the wait no part explains is given apart.
 * Pure.
 */
export function waitsOf(
  promotions: readonly Promotion[],
  entries: readonly StoredAuditEntry[],
  index: PatternIndex,
): EnvironmentWait[] {
  return promotions.map((promotion, i) => {
    const namespace = promotion.release.slice(0, promotion.release.indexOf("/"));
    const story =
      promotion.changeRequest === undefined
        ? undefined
        : index.changes.get(`${namespace}/${promotion.changeRequest}`);
    const request = requestOf(promotion, story, entries);
    const parts: WaitPart[] = [];
    const checks = (
      index.checks.get(`${namespace}\u0000${promotion.environment}\u0000${promotion.revision}`) ?? []
    )
      .filter((c) => Date.parse(c.time) <= Date.parse(promotion.time))
      .at(-1);
    const push = (p: WaitPart | undefined): void => void (p === undefined ? undefined : parts.push(p));
    if (checks !== undefined) {
      push(part("checks", request.at, checks.time, "the request to the last check item completed"));
    }
    if (
      story?.requestedAt !== undefined &&
      story.resolution === "Approved" &&
      story.resolvedAt !== undefined
    ) {
      push(part("approvals", story.requestedAt, story.resolvedAt, "ChangeRequested to ChangeApproved"));
    }
    const earlier = promotions.slice(0, i).filter((p) => p.environment === promotion.environment);
    const gate = gateWaitsOf(entries, promotion.environment, {
      after: earlier.at(-1)?.time,
      promotedAt: promotion.time,
      count: earlier.length + 1,
    });
    for (const span of gate ?? []) parts.push(gatePart(span));
    const next = promotions.slice(i + 1).find((p) => p.environment === promotion.environment)?.time;
    const deployed = firstAfter(entries, DEPLOYED, promotion.environment, promotion.time, next);
    if (deployed !== undefined) {
      push(part("deploying", promotion.time, deployed.time, `ReleasePromoted to ${deployed.action}`));
      if (deployed.action === "EnvironmentDeployed") {
        const concluded = firstAfter(entries, CONCLUDED, promotion.environment, deployed.time, next);
        if (concluded !== undefined) {
          push(
            part("verifying", deployed.time, concluded.time, `EnvironmentDeployed to ${concluded.action}`),
          );
        }
      }
    }
    const toGateMs = Math.max(0, between(request.at, promotion.time));
    const gateParts = parts.filter((p) => p.part !== "deploying" && p.part !== "verifying");
    const unexplainedMs = Math.max(0, toGateMs - covered(gateParts, request.at, promotion.time));
    return {
      environment: promotion.environment,
      revision: promotion.revision,
      requestedAt: request.at,
      requestedFrom: request.from,
      gateClearedAt: promotion.time,
      toGate: formatSpan(toGateMs),
      toGateMs,
      parts,
      gate,
      unexplained: formatSpan(unexplainedMs),
      unexplainedMs,
      notRecorded: [
        "when each check task was opened (no entry records it; checks are measured from the request)",
        ...(gate === undefined
          ? [
              "what the gate waited on (a lock, a window, a freeze): no GateWaitChanged entry is on record for " +
                "this promotion (the operator records them since ADR 0053)",
            ]
          : []),
      ],
    };
  });
}
