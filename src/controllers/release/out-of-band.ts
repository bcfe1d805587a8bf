import type { ReleaseEnvironmentStatus } from "../../api/v1alpha1/release.js";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import { revisionMatches } from "./delivery.js";
import type { EnvironmentInput } from "./environment-step.js";
import type { TargetClaim } from "./target-claims.js";

/** A target running a revision no approved release authorised: someone deployed around the gate. */
export interface UnapprovedDeployment {
  environment: string;
  /** The delivery object, as a reader names it: `Argo CD Application argocd/shop-prod`. */
  target: string;
  /** The revision the target runs. */
  running: string;
  /** The revision this release deployed there. */
  expected: string;
  /** True when the revision is the approved one but what the target is told to deploy around it changed. */
  sourceChanged?: boolean;
}

/** The states in which a lock holder is promoting to the target: only then does its lock speak for it. */
const PROMOTING: readonly ReleaseEnvironmentStatus["state"][] = ["Deploying", "Deployed"];

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
 * Whether the environment's target runs a revision nobody was allowed to put there. Only a release that delivered
 * its revision there (it reached Deployed) and is the latest to have promoted to that target speaks for it; the
 * revision running is authorised when it is this release's, or any other release's that promoted to the same
 * target, and anything in flight under another release's lock is that release's business, but only when the lock
 * is real: the `stagegate.io/locked-by` annotation is writable by anyone with edit on the delivery object, so it is
 * honoured only when the gather found that it speaks for the target (`lockHonoured`: a release whose spec
 * targets it, or a sealed open rollback; see `lockSpeaksFor`). Pure.
 */
export function detectUnapproved(
  self: string,
  entry: ReleaseEnvironmentStatus,
  input: Pick<EnvironmentInput, "delivery" | "lockHolder" | "lockHonoured" | "claims" | "sourceDigest">,
  target: ReleaseTarget | undefined,
): UnapprovedDeployment | undefined {
  const { delivery } = input;
  const expected = entry.revision;
  if (target === undefined || expected === undefined || entry.deployedAt === undefined) return undefined;
  if (!DELIVERED.includes(entry.state)) return undefined;
  if (delivery === undefined || delivery.state === "Missing" || delivery.revision === undefined)
    return undefined;
  const running = delivery.revision;
  const revisionMoved = !revisionMatches(running, expected);
  const sourceMoved =
    entry.sourceDigest !== undefined &&
    input.sourceDigest !== undefined &&
    input.sourceDigest !== entry.sourceDigest;
  if (!revisionMoved && !sourceMoved) return undefined;
  const claims = input.claims ?? [];
  if (input.lockHolder !== undefined && input.lockHolder !== self && input.lockHonoured === true)
    return undefined;
  if (revisionMoved && claims.some((c) => revisionMatches(running, c.revision))) return undefined;
  if (claims.some((c) => isLater(c, entry.deployStartedAt, self))) return undefined;
  return {
    environment: entry.name,
    target: describeTarget(target),
    running,
    expected,
    ...(revisionMoved ? {} : { sourceChanged: true }),
  };
}

/**
 * Whether a lock naming `holder` speaks for the target: the release it names exists, its spec claims this very
 * delivery object (claims are read by the object's key), and it is Deploying or Deployed there. A lock naming
 * anything else (a release that does not exist, one that never targeted this object, one done with it) is a
 * forgery or a leftover and silences nothing.
 */
export function honouredLock(holder: string, claims: readonly TargetClaim[]): boolean {
  return claims.some((c) => c.release === holder && PROMOTING.includes(c.state));
}

/** Whether another release promoted to the target after this one (ties broken by name, so exactly one speaks). */
function isLater(claim: TargetClaim, ours: string | undefined, self: string): boolean {
  const theirs = claim.deployStartedAt ?? "";
  const mine = ours ?? "";
  return theirs > mine || (theirs === mine && claim.release > self);
}

/** The sentence of one finding, for the condition, the event and the audit entry. */
export function describeUnapproved(u: UnapprovedDeployment): string {
  if (u.sourceChanged === true) {
    return (
      `${u.target} (${u.environment}) runs the approved revision ${u.running}, but what it is told to deploy ` +
      "around it (repository, path, chart, values or destination) changed since this release promoted it, and " +
      "no approved release asked for that. Someone deployed around the gate: put the source back, or promote " +
      "the change through a Release."
    );
  }
  return (
    `${u.target} (${u.environment}) runs revision ${u.running}, which no approved release authorised; this ` +
    `release deployed ${u.expected} there. Someone deployed around the gate: roll it back, or promote that ` +
    `revision through a Release.`
  );
}
