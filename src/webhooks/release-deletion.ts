import { pinnedReleaseSpec } from "../api/v1alpha1/pinned-release.js";
import { targetIdentity } from "../api/v1alpha1/release-binding.js";
import { describeTarget } from "../controllers/release/out-of-band.js";
import { claimedLater, claimsOf } from "../controllers/release/target-claims.js";
import { targetKey } from "../controllers/release/target-object.js";
import { KubeObject } from "../runtime/kube/object.js";
import type { AdmissionRequest } from "./admission-review.js";
import { CLUSTER_CLEANUP } from "./task-deletion.js";
import { ALLOWED, deny, type Verdict } from "./verdict.js";
import type { WebhookContext } from "./webhook-context.js";

/**
 * What the release `release` still runs: each target of its whose environment it promoted to, that no other release
 * of `others` promoted to later in the same environment, and whose delivery object exists (`exists`). There it is
 * the one release that speaks for the target: it reports anything else running there and keeps its Rollback tasks.
 */
export async function runningTargets(
  release: KubeObject,
  others: readonly KubeObject[],
  exists: (target: Parameters<typeof targetIdentity>[0]) => Promise<boolean>,
): Promise<string[]> {
  const spec = pinnedReleaseSpec(release);
  if (spec === undefined) return [];
  const rivals = others.filter(
    (o) => o.metadata.uid !== release.metadata.uid && o.metadata.name !== release.metadata.name,
  );
  const running: string[] = [];
  for (const target of spec.targets) {
    const key = targetKey(target);
    const own =
      key === undefined
        ? undefined
        : claimsOf(release, key).find((c) => c.environment === target.environment);
    if (key === undefined || own === undefined) continue;
    const superseded = rivals.some((rival) =>
      claimsOf(rival, key).some((c) => c.environment === target.environment && claimedLater(c, own)),
    );
    if (superseded || !(await exists(target))) continue;
    running.push(`${describeTarget(target)} in ${target.environment}`);
  }
  return running;
}

/**
 * A person may not delete the release that runs in an environment (ADR 0069): detection there is its alone (a later
 * claim silences an earlier one, ADR 0008), and its sealed Rollback tasks go with it (the garbage collector may delete
 * them, ADR 0064), so deleting it would silence both. The operator and the cluster's clean-up may, and so may whoever
 * may update Environments (a platform administrator, who owns the gate anyway); a release superseded everywhere, or
 * whose targets are gone, is anyone's with delete on Releases. Allowed when the server cannot read Releases; a failed
 * read throws, and the server denies what it could not decide.
 */
export async function releaseStillRunning(
  request: AdmissionRequest,
  ctx: WebhookContext,
  isOperator: boolean,
): Promise<Verdict> {
  const user = request.userInfo;
  if (isOperator || CLUSTER_CLEANUP.has(user.username) || ctx.lookupReleases === undefined) return ALLOWED;
  const stored = KubeObject.safeParse(request.oldObject);
  if (!stored.success) {
    return deny(
      "MalformedRequest",
      "request.oldObject is not a Release; the API server sends the deleted object.",
    );
  }
  const release = stored.data;
  const namespace = release.metadata.namespace ?? request.namespace ?? "";
  const lookup = ctx.lookupDeliveryLabels;
  const exists = async (target: Parameters<typeof targetIdentity>[0]): Promise<boolean> => {
    const spec = pinnedReleaseSpec(release);
    if (lookup === undefined || spec === undefined) return true;
    return (await lookup(targetIdentity(target, spec))) !== undefined;
  };
  const running = await runningTargets(release, await ctx.lookupReleases(namespace), exists);
  if (running.length === 0) return ALLOWED;
  if (ctx.mayUpdateEnvironments !== undefined && (await ctx.mayUpdateEnvironments(user))) return ALLOWED;
  return deny(
    "ReleaseStillRunning",
    `Release ${release.metadata.name} is the last release promoted to ${running.join(", ")}: while it stands it ` +
      "reports anything else that runs there and keeps its Rollback tasks, so deleting it would silence both. To " +
      "retire it, promote a newer release there first, or ask a platform administrator (who may edit Environments) " +
      "to delete it.",
  );
}
