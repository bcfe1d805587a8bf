import { FullCommit, type GateBinding, type TargetIdentity } from "./binding.js";
import type { EnvironmentSpec } from "./environment.js";
import type { ReleaseSpec } from "./release.js";
import type { ReleaseTarget } from "./release-target.js";

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

const EXACT_CHART_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * Why a target's revisions are not immutable (a branch, a tag, a short commit id, an unpinned or ranged chart
 * version), as a sentence naming the field and the fix; undefined when every revision the gate approves is a full
 * commit id or an exact chart version. A gate can only approve what cannot move after the approval.
 */
export function mutableRevisionProblem(
  target: ReleaseTarget,
  spec: Pick<ReleaseSpec, "source">,
): string | undefined {
  const full = (value: string): boolean => FullCommit.safeParse(value).success;
  if (!full(spec.source.revision)) {
    return (
      `spec.source.revision "${spec.source.revision}" is not a full commit id; a gated environment approves ` +
      "only immutable revisions: set the full 40- or 64-character commit id"
    );
  }
  if (target.argoCD !== undefined && !full(target.argoCD.revision)) {
    return (
      `spec.targets[${target.environment}].argoCD.revision "${target.argoCD.revision}" is not a full commit ` +
      "id; a gated environment approves only immutable revisions: set the full commit id"
    );
  }
  const flux = target.flux;
  if (flux?.revision !== undefined && !full(flux.revision)) {
    return (
      `spec.targets[${target.environment}].flux.revision "${flux.revision}" is not a full commit id; a gated ` +
      "environment approves only immutable revisions: set the full commit id"
    );
  }
  if (flux?.kind === "HelmRelease") {
    if (flux.chartVersion === undefined || !EXACT_CHART_VERSION.test(flux.chartVersion)) {
      return (
        `spec.targets[${target.environment}].flux.chartVersion ${flux.chartVersion === undefined ? "is not set" : `"${flux.chartVersion}" is not an exact version`}; ` +
        "a gated environment approves only immutable revisions: pin an exact chart version such as 1.4.2"
      );
    }
  }
  return undefined;
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
