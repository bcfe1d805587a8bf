import type { ReleaseEnvironmentStatus } from "../../api/v1alpha1/release.js";
import type { ReleaseTarget } from "../../api/v1alpha1/release-target.js";
import { DEFAULT_PROGRESS_DEADLINE_MS } from "../../gitops/delivery.js";

/** How often a release looks again at what it reads but does not watch: a pinned Kustomization's GitRepository. */
export const SOURCE_POLL_MS = 30_000;

/** Past the deadline by this much, so the pass sees it passed. */
const MARGIN_MS = 1_000;

/**
 * When a release in flight must look again on its own, in ms from `now`; undefined when its watches wake it for
 * everything that can change. Delivery objects, tasks, changes and Environments are watched, so only two things are
 * looked at again:
 * - the progress deadline of a promotion (a degraded target that stays quiet fails once it passes): once, just after
 *   it passes, not on a period;
 * - the GitRepository a Kustomization target's commit is pinned on (detection in flight reads it live; it is not
 *   watched): every {@link SOURCE_POLL_MS}.
 * A period for every release in flight made a burst of thousands of releases a flood of passes that found nothing
 * new, ahead of the passes that moved releases on (issue 12, the 10,000-release run). Pure.
 */
export function deliveryRecheckMs(
  environments: readonly ReleaseEnvironmentStatus[],
  targets: readonly ReleaseTarget[],
  now: Date,
): number | undefined {
  let next: number | undefined;
  const sooner = (ms: number): void => {
    next = next === undefined ? ms : Math.min(next, ms);
  };
  for (const entry of environments) {
    if (entry.state !== "Deploying") continue;
    const target = targets.find((t) => t.environment === entry.name);
    if (target?.flux?.kind === "Kustomization" && target.flux.revision !== undefined) sooner(SOURCE_POLL_MS);
    const started = entry.deployStartedAt === undefined ? NaN : Date.parse(entry.deployStartedAt);
    const untilDeadline = started + DEFAULT_PROGRESS_DEADLINE_MS - now.getTime();
    if (!Number.isNaN(untilDeadline) && untilDeadline >= 0) sooner(untilDeadline + MARGIN_MS);
  }
  return next;
}
