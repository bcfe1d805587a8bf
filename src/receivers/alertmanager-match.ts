import type { ReleaseSpec as ReleaseSpecType } from "../api/v1alpha1/release.js";
import { pinnedReleaseSpec } from "../api/v1alpha1/pinned-release.js";
import type { ReleaseTarget } from "../api/v1alpha1/release-target.js";
import { releaseKey } from "../controllers/release/names.js";
import type { TargetClaim } from "../controllers/release/target-claims.js";
import { targetKey } from "../controllers/release/target-object.js";
import type { KubeObject } from "../runtime/kube/object.js";

/** The label naming a Release explicitly: `<namespace>/<name>`, or `<name>` (then acted on only when one namespace is meant: see `scopeAlert`). */
export const RELEASE_ALERT_LABEL = "stagegate_release";
/** The label naming the environment of an explicit match; required with {@link RELEASE_ALERT_LABEL}. */
export const ENVIRONMENT_ALERT_LABEL = "stagegate_environment";

/** A Release as matching reads it from the releases cache. */
export interface ReleaseCandidate {
  namespace: string;
  name: string;
  uid?: string | undefined;
  spec: ReleaseSpecType;
}

/** The release currently deployed to a delivery object (by its `targetKey`), as `currentClaim` finds it. */
export type CurrentRelease = (deliveryKey: string) => TargetClaim | undefined;

/** How an alert came to match a target: its `alertSelector`, or the explicit `stagegate_release` labels. */
export type MatchedBy = "alertSelector" | "label";

/**
 * One release and environment an alert is about. `deployed` says whether that release is the one currently
 * deployed to the environment's delivery object: only then does a firing alert open work for it.
 */
export interface AlertMatch {
  release: ReleaseCandidate;
  environment: string;
  target: ReleaseTarget;
  by: MatchedBy;
  deployed: boolean;
  /** `namespace/name` of the release deployed there instead (when another one is), for the answer and logs. */
  current?: string;
}

/** Whether `labels` carry every label of `matchLabels` with exactly that value (extra labels are fine). */
export function selectorMatches(
  matchLabels: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  const required = Object.entries(matchLabels);
  return required.length > 0 && required.every(([key, value]) => labels[key] === value);
}

/** Reads the Releases of the cache that parse; a Release whose spec does not parse is never matched. */
export function releaseCandidates(objects: readonly KubeObject[]): ReleaseCandidate[] {
  return objects.flatMap((obj) => {
    const spec = pinnedReleaseSpec(obj);
    if (spec === undefined) return [];
    const { namespace = "", name, uid } = obj.metadata;
    return [{ namespace, name, uid, spec }];
  });
}

function namedByLabel(release: ReleaseCandidate, value: string | undefined): boolean {
  if (value === undefined || value === "") return false;
  const slash = value.indexOf("/");
  if (slash < 0) return value === release.name;
  return value === releaseKey(release.namespace, release.name);
}

/** How a target matches the alert's labels, if it does. */
function matchedBy(
  release: ReleaseCandidate,
  target: ReleaseTarget,
  labels: Readonly<Record<string, string>>,
): MatchedBy | undefined {
  const selector = target.alertSelector?.matchLabels;
  if (selector !== undefined && selectorMatches(selector, labels)) return "alertSelector";
  if (
    namedByLabel(release, labels[RELEASE_ALERT_LABEL]) &&
    labels[ENVIRONMENT_ALERT_LABEL] === target.environment
  )
    return "label";
  return undefined;
}

/**
 * The releases and environments an alert with `labels` is about: every target whose `alertSelector` it satisfies,
 * and the target named by `stagegate_release` plus `stagegate_environment`; at most one match per release and
 * environment. Each says whether its release is the one currently deployed there (by `current`), so a stale
 * release that once ran on the same Application never acts on an alert about its successor.
 */
export function matchAlert(
  labels: Readonly<Record<string, string>>,
  releases: readonly ReleaseCandidate[],
  current: CurrentRelease,
): AlertMatch[] {
  const matches: AlertMatch[] = [];
  const seen = new Set<string>();
  for (const release of releases) {
    const self = releaseKey(release.namespace, release.name);
    for (const target of release.spec.targets) {
      const by = matchedBy(release, target, labels);
      const seenKey = `${self}\u0000${target.environment}`;
      if (by === undefined || seen.has(seenKey)) continue;
      seen.add(seenKey);
      const key = targetKey(target);
      const claim = key === undefined ? undefined : current(key);
      const deployed = claim?.release === self && claim.environment === target.environment;
      matches.push({
        release,
        environment: target.environment,
        target,
        by,
        deployed,
        ...(claim === undefined || deployed ? {} : { current: `${claim.release} (${claim.environment})` }),
      });
    }
  }
  return matches.sort(
    (a, b) =>
      releaseKey(a.release.namespace, a.release.name).localeCompare(
        releaseKey(b.release.namespace, b.release.name),
      ) || a.environment.localeCompare(b.environment),
  );
}
