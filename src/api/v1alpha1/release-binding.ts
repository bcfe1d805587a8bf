import { createHash } from "node:crypto";
import { FullCommit, type GateBinding, type TargetIdentity } from "./binding.js";
import type { EnvironmentSpec } from "./environment.js";
import type { ReleaseSpec } from "./release.js";
import type { ReleaseTarget } from "./release-target.js";
import { isChartVersionRange, isExactChartVersion } from "./resolved-chart.js";
import { unresolvableRef } from "./resolved-source.js";

/**
 * The revision a release deploys through a target: the Argo CD revision; for a Flux HelmRelease the chart version,
 * else the pinned source revision; for a Kustomization the pinned revision. A Flux target that pins nothing runs
 * the release's own source revision.
 */
export function targetRevision(target: ReleaseTarget, spec: Pick<ReleaseSpec, "source">): string {
  if (target.argoCD !== undefined) return target.argoCD.revision;
  const flux = target.flux;
  if (flux?.kind === "HelmRelease" && flux.chartVersion !== undefined) return flux.chartVersion;
  return flux?.revision ?? spec.source.revision;
}

/** The delivery object a target names, and the revision it deploys there. */
export function targetIdentity(target: ReleaseTarget, spec: Pick<ReleaseSpec, "source">): TargetIdentity {
  const revision = targetRevision(target, spec);
  if (target.argoCD !== undefined) {
    return { kind: "Application", namespace: target.argoCD.namespace, name: target.argoCD.name, revision };
  }
  const flux = target.flux;
  return {
    kind: flux?.kind ?? "Kustomization",
    namespace: flux?.namespace ?? "",
    name: flux?.name ?? "",
    revision,
  };
}

/** Whether an environment's gate asks anything of a release: approvals or checks. Such an environment is gated. */
export function isGated(env: EnvironmentSpec): boolean {
  return env.gate.requiredApprovals > 0 || env.gate.requiredChecks.length > 0;
}

/**
 * What a gated environment lets the operator resolve before approval (`gate.mutableRevisions: Resolve`): `ref`, a
 * branch or tag in spec.source.revision (every target revision naming the very same ref passes too), and, with
 * `chartRanges`, a HelmRelease target's chart version range.
 */
export interface Resolvable {
  ref?: string | undefined;
  chartRanges?: boolean | undefined;
}

/**
 * Why a target's revisions are not immutable (a branch, a tag, a short commit id, an unpinned or ranged chart
 * version), as a sentence naming the field and the fix; undefined when every revision the gate approves is a full
 * commit id or an exact chart version, or something the environment lets the operator resolve (`resolves`). A
 * gate can only approve what cannot move after the approval.
 */
export function mutableRevisionProblem(
  target: ReleaseTarget,
  spec: Pick<ReleaseSpec, "source">,
  resolves: Resolvable = {},
): string | undefined {
  const { ref } = resolves;
  const full = (value: string): boolean =>
    FullCommit.safeParse(value).success || (ref !== undefined && value === ref);
  const fix =
    ref === undefined
      ? "set the full 40- or 64-character commit id (or let the Environment resolve branches and tags: " +
        "gate.mutableRevisions: Resolve)"
      : `set the full commit id, or the same ref as spec.source.revision (${ref}), which the operator resolves`;
  if (!full(spec.source.revision)) {
    const why = unresolvableRef(spec.source.revision);
    return (
      `spec.source.revision "${spec.source.revision}" is not a full commit id; a gated environment approves ` +
      `only immutable revisions: ${ref === undefined && why !== undefined ? why : fix}`
    );
  }
  if (target.argoCD !== undefined && !full(target.argoCD.revision)) {
    return (
      `spec.targets[${target.environment}].argoCD.revision "${target.argoCD.revision}" is not a full commit ` +
      `id; a gated environment approves only immutable revisions: ${fix}`
    );
  }
  const flux = target.flux;
  if (flux?.revision !== undefined && !full(flux.revision)) {
    return (
      `spec.targets[${target.environment}].flux.revision "${flux.revision}" is not a full commit id; a gated ` +
      `environment approves only immutable revisions: ${fix}`
    );
  }
  if (flux?.kind === "HelmRelease") return chartVersionProblem(target, resolves.chartRanges === true);
  return undefined;
}

/** Why a HelmRelease target's chartVersion cannot be approved as it is, naming the field and the fix. */
function chartVersionProblem(target: ReleaseTarget, chartRanges: boolean): string | undefined {
  const version = target.flux?.chartVersion;
  if (version !== undefined && isExactChartVersion(version)) return undefined;
  if (version !== undefined && chartRanges && isChartVersionRange(version)) return undefined;
  const field = `spec.targets[${target.environment}].flux.chartVersion`;
  const what =
    version === undefined
      ? "is not set"
      : `"${version}" is not an exact version${chartRanges ? " nor a semver range" : ""}`;
  const fix = chartRanges
    ? "pin an exact chart version such as 1.4.2, or write a semver range such as 1.4.x that the operator resolves"
    : "pin an exact chart version such as 1.4.2 (or let the Environment resolve chart version ranges: " +
      "gate.mutableRevisions: Resolve)";
  return `${field} ${what}; a gated environment approves only immutable revisions: ${fix}`;
}

/**
 * The ref a gated environment lets the operator resolve for `spec`, or undefined: with `gate.mutableRevisions:
 * Resolve`, spec.source.revision when it is a branch or tag name (not a full or abbreviated commit id).
 */
export function resolvableRef(env: EnvironmentSpec, spec: Pick<ReleaseSpec, "source">): string | undefined {
  if (env.gate.mutableRevisions !== "Resolve") return undefined;
  const revision = spec.source.revision;
  return FullCommit.safeParse(revision).success || unresolvableRef(revision) !== undefined
    ? undefined
    : revision;
}

/**
 * The binding of a release's gate in one environment: this release by UID, the environment, the artifact (full
 * source commit and digests) and the target at its revision. Undefined when the source revision is not a full
 * commit id (nothing immutable to bind; the gate refuses it first).
 */
export function releaseBinding(
  release: { name: string; uid: string; spec: Pick<ReleaseSpec, "source"> },
  environment: string,
  target: ReleaseTarget,
): GateBinding | undefined {
  const commit = release.spec.source.revision;
  if (!FullCommit.safeParse(commit).success) return undefined;
  return {
    release: { name: release.name, uid: release.uid },
    environment,
    artifact: { commit, digests: [...(release.spec.source.digests ?? [])].sort() },
    target: targetIdentity(target, release.spec),
  };
}

/**
 * What a release ships, as the one string each environment records it was Verified with (status `artifact`): the
 * source commit, followed by a SHA-256 over its sorted image or chart digests when it declares any. An edit of the
 * commit or of any digest is another artifact, which must be Verified in the stage before anew.
 */
export function artifactOf(spec: {
  source: { revision: string; digests?: readonly string[] | undefined };
}): string {
  const digests = [...(spec.source.digests ?? [])].sort();
  if (digests.length === 0) return spec.source.revision;
  const hash = createHash("sha256").update(digests.join("\n")).digest("hex");
  return `${spec.source.revision}+digests:sha256:${hash}`;
}

/** An artifact string as a sentence names it: `commit abc...` or `commit abc... with digests sha256:...`. */
export function describeArtifact(artifact: string): string {
  const plus = artifact.indexOf("+digests:");
  return plus < 0
    ? `commit ${artifact}`
    : `commit ${artifact.slice(0, plus)} with digests ${artifact.slice(plus + "+digests:".length)}`;
}
