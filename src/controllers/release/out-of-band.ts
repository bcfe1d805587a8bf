import type { ReleaseEnvironmentStatus } from "../../api/v1alpha1/release.js";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import { revisionMatches } from "./delivery.js";
import type { EnvironmentInput } from "./environment-step.js";
import { lockedWithRequest } from "./request-made.js";
import type { TargetClaim } from "./target-claims.js";

/** A target running a revision no approved release authorised: someone deployed around the gate. */
export interface UnapprovedDeployment {
  environment: string;
  /** The delivery object, as a reader names it: `Argo CD Application argocd/shop-prod`. */
  target: string;
  /** The revision the target runs (or, `inFlight`, is told to deploy). */
  running: string;
  /** The revision this release promoted there. */
  expected: string;
  /** True when the revision is the approved one but what the target is told to deploy around it changed. */
  sourceChanged?: boolean;
  /** True when the finding was made while this release's delivery was in flight there. */
  inFlight?: boolean;
}

/** The states in which this release had delivered its revision to the environment's target. */
const DELIVERED: readonly ReleaseEnvironmentStatus["state"][] = ["Deployed", "Verified", "Failed"];

/** A target as a sentence names it. */
export function describeTarget(target: ReleaseTarget): string {
  if (target.argoCD !== undefined)
    return `Argo CD Application ${target.argoCD.namespace}/${target.argoCD.name}`;
  const flux = target.flux;
  return flux === undefined
    ? `the target of ${target.environment}`
    : `Flux ${flux.kind} ${flux.namespace}/${flux.name}`;
}

/**
 * Whether the environment's target runs, or is told to deploy, something nobody was allowed to put there. Only the
 * release that promoted to the target last in this environment speaks for it (a later claim silences an earlier one;
 * a claim from another environment neither silences nor authorises anything), and only from
 * its promotion on: while its delivery is in flight (Deploying) and once it delivered (Deployed, Verified, Failed).
 * It compares three things with what it promoted:
 * - what the target is told to deploy around the revision (repository, path, chart, values, images, sources...):
 *   the digest recorded at the promotion (`desiredSourceDigest`);
 * - the revision running: this release's, one another release promoted there (their statuses are the record of
 *   authorisation, ADR 0008), or, in flight, the one the target ran when the promotion began (`runningAtPromotion`);
 * - in flight, once the tool was asked (the lock names this release while the stored entry has the request marked
 *   pending, or the mark is gone: ADR 0037), the revision the tool is told to deliver where its object says so (Argo
 *   CD operations and pins, HelmRelease chart versions, a Kustomization's GitRepository ref): exactly this release's;
 * - in flight, any operation the tool ran since the one on record when this release recorded its promotion
 *   (`lastOperationAtRequest`, Argo CD), whether or not it was asked yet: it must have synced (or been asked for) this
 *   release's revision.
 * A hand sync during a promotion, even to a revision promoted there before, is reported, even one that ran and
 * finished between two passes on an Application whose pin still names this release's revision. The
 * `stagegate.io/locked-by` annotation only ever turns the first of these on (anyone with edit on the delivery object
 * can write it); removing it cannot hide an operation that ran, and a real promotion is on record in its release's
 * status before the tool is asked (ADR 0020). Pure.
 */
export function detectUnapproved(
  self: string,
  entry: ReleaseEnvironmentStatus,
  input: Pick<EnvironmentInput, "delivery" | "claims" | "sourceDigest" | "lockHolder" | "lockWithRequest">,
  target: ReleaseTarget | undefined,
  stored?: ReleaseEnvironmentStatus,
): UnapprovedDeployment | undefined {
  const { delivery } = input;
  const expected = entry.revision;
  if (target === undefined || expected === undefined) return undefined;
  const inFlight = entry.state === "Deploying" && entry.deployStartedAt !== undefined;
  if (!inFlight && (!DELIVERED.includes(entry.state) || entry.deployedAt === undefined)) return undefined;
  if (delivery === undefined || delivery.state === "Missing") return undefined;
  // Only promotions in this same environment speak for the target or authorise what runs on it: a delivery object
  // belongs to one environment, so a claim from another one means the object was moved (or relabelled) into it,
  // and a release there delivered with that environment's gate, not this one's (ADR 0009, amended).
  const claims = (input.claims ?? []).filter((c) => c.environment === entry.name);
  if (claims.some((c) => isLater(c, entry.deployStartedAt, self))) return undefined;
  const found = { environment: entry.name, target: describeTarget(target), expected };
  const authorised = (revision: string): boolean =>
    revisionMatches(revision, expected) ||
    claims.some((c) => revisionMatches(revision, c.revision)) ||
    (inFlight &&
      entry.runningAtPromotion !== undefined &&
      entry.runningAtPromotion !== "" &&
      revisionMatches(revision, entry.runningAtPromotion));
  const recordedHere = inFlight && stored?.state === "Deploying" && stored.revision === expected;
  const asked = recordedHere && (stored.deliveryRequestPending !== true || lockedWithRequest(input, self));
  const requested = delivery.requested;
  const running = delivery.revision;
  // Once this release's revision runs, an older request is history (a request still to run is judged when it runs).
  const arrived = running !== undefined && revisionMatches(running, expected);
  if (asked && !arrived && requested !== undefined && !revisionMatches(requested, expected)) {
    return { ...found, running: requested, inFlight: true };
  }
  // The tool's record of what it last did lags a pin: an operation since the one on record when this release asked
  // is news, and one that synced another revision (not asked for this one by a branch or tag) is a hand sync, even
  // when it ran and finished between two passes.
  const last = delivery.lastOperation;
  const recorded = stored?.lastOperationAtRequest;
  const ours = (revision: string | undefined) =>
    revision !== undefined && revisionMatches(revision, expected);
  if (
    recordedHere &&
    recorded !== undefined &&
    last?.revision !== undefined &&
    last.id !== recorded &&
    !ours(last.revision) &&
    !ours(last.asked)
  ) {
    return { ...found, running: last.revision, inFlight: true };
  }
  // An entry recorded before runningAtPromotion existed cannot tell what ran at its promotion: no running check.
  const judged = !inFlight || entry.runningAtPromotion !== undefined;
  if (running !== undefined && judged && !authorised(running)) {
    return { ...found, running, ...(inFlight ? { inFlight: true } : {}) };
  }
  const sourceMoved =
    entry.sourceDigest !== undefined &&
    input.sourceDigest !== undefined &&
    input.sourceDigest !== entry.sourceDigest;
  if (!sourceMoved) return undefined;
  return {
    ...found,
    running: running ?? expected,
    sourceChanged: true,
    ...(inFlight ? { inFlight: true } : {}),
  };
}

/** Whether another release promoted to the target after this one (ties broken by name, so exactly one speaks). */
function isLater(claim: TargetClaim, ours: string | undefined, self: string): boolean {
  const theirs = claim.deployStartedAt ?? "";
  const mine = ours ?? "";
  return theirs > mine || (theirs === mine && claim.release > self);
}

/** The sentence of one finding, for the condition, the event and the audit entry. */
export function describeUnapproved(u: UnapprovedDeployment): string {
  const fix = "Someone deployed around the gate:";
  if (u.sourceChanged === true && u.inFlight === true) {
    return (
      `${u.target} (${u.environment}): what it is told to deploy around the revision (repository, path, chart, ` +
      `values or destination) changed while this release was promoting ${u.expected} there, and no approved ` +
      `release asked for that. ${fix} put the source back, or promote the change through a Release.`
    );
  }
  if (u.sourceChanged === true) {
    return (
      `${u.target} (${u.environment}) runs the approved revision ${u.running}, but what it is told to deploy ` +
      "around it (repository, path, chart, values or destination) changed since this release promoted it, and " +
      `no approved release asked for that. ${fix} put the source back, or promote the change through a Release.`
    );
  }
  if (u.inFlight === true) {
    return (
      `${u.target} (${u.environment}) was made to deploy revision ${u.running} while this release was ` +
      `promoting ${u.expected} there, and no approved release asked for that. ${fix} put it back, or promote ` +
      "that revision through a Release."
    );
  }
  return (
    `${u.target} (${u.environment}) runs revision ${u.running}, which no approved release authorised; this ` +
    `release deployed ${u.expected} there. ${fix} roll it back, or promote that revision through a Release.`
  );
}
