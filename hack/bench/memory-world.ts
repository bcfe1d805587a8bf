import { setTimeout as sleep } from "node:timers/promises";
import { resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { ResourceType } from "../../src/runtime/kube/resource.js";
import { createArgoApplication } from "../../tests/support/delivery-objects.js";
import { envOf, createRelease } from "../../tests/support/release-world.js";
import type { StatusView } from "../../tests/support/controller-world.js";

/** The ungated environment every benchmark release is delivered to first (and Verified in). */
export const STAGING = "staging";
/**
 * The gated environment after it: a SecurityScan check and one approval, so each release also gets the children a
 * gate opens (its check task, its ChangeRequest and Approval) and waits there, as releases awaiting approval do.
 */
export const PROD = "prod";
/** The gate of {@link PROD}. */
export const PROD_GATE = {
  requiredChecks: ["SecurityScan"],
  requiredApprovals: 1,
  approvers: { groups: ["approvers"] },
};
const REVISION = "1b1b1b1d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
/** Creates in flight at once: enough to fill the API server, few enough to leave the operator its share. */
const CONCURRENCY = 8;

/**
 * Creates releases `from` to `to - 1` (`rel-<i>`), each with its own Argo CD Applications (`app-<i>-staging`,
 * `app-<i>-prod`) as its targets in {@link STAGING} and {@link PROD}, as a platform team would declare them.
 */
export async function createReleases(
  admin: KubeClient,
  namespace: string,
  from: number,
  to: number,
): Promise<void> {
  const scope = { admin, namespace };
  let next = from;
  async function worker(): Promise<void> {
    while (next < to) {
      const i = next++;
      for (const environment of [STAGING, PROD])
        await createArgoApplication(scope, `app-${i}-${environment}`);
      await createRelease(scope, `rel-${i}`, {
        version: "1.0.0",
        revision: REVISION,
        pipeline: [STAGING, PROD],
        targets: [STAGING, PROD].map((environment) => ({
          environment,
          argoCD: { name: `app-${i}-${environment}`, namespace, revision: REVISION },
        })),
        owners: { releaseManager: { name: "dave" }, rollbackOwner: { kind: "User", name: "olga" } },
      });
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/**
 * Waits, bounded, until `count` releases of the namespace are Verified in {@link STAGING}, printing progress every
 * 10 seconds.
 */
export async function waitForVerified(
  admin: KubeClient,
  namespace: string,
  count: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastPrinted = 0;
  for (;;) {
    const verified = await countVerified(admin, namespace);
    if (verified >= count) return;
    if (Date.now() > deadline) {
      throw new Error(`only ${verified} of ${count} releases were Verified within ${timeoutMs / 1000} s`);
    }
    if (Date.now() - lastPrinted > 10_000) {
      console.log(`  ${verified} of ${count} releases Verified`);
      lastPrinted = Date.now();
    }
    await sleep(2_000);
  }
}

async function countVerified(admin: KubeClient, namespace: string): Promise<number> {
  let verified = 0;
  let cont: string | undefined;
  do {
    const page = await admin.list(resources.release, { namespace, limit: 500, continue: cont });
    for (const release of page.items) {
      const status = (release.status ?? {}) as StatusView;
      if (envOf(status, STAGING)?.state === "Verified") verified++;
    }
    cont = page.continue;
  } while (cont !== undefined);
  return verified;
}

/** How many objects of a kind the namespace holds. */
async function countOf(admin: KubeClient, rt: ResourceType, namespace: string): Promise<number> {
  let count = 0;
  let cont: string | undefined;
  do {
    const page = await admin.list(rt, { namespace, limit: 500, continue: cont });
    count += page.items.length;
    cont = page.continue;
  } while (cont !== undefined);
  return count;
}

/**
 * Waits, bounded, until the children the gate opens number at least one DeploymentTask and one ChangeRequest per
 * release and stop changing for three polls in a row; returns the counts of tasks, changes and Approvals.
 */
export async function waitForChildren(
  admin: KubeClient,
  namespace: string,
  releases: number,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  let unchanged = 0;
  for (;;) {
    const counts = await Promise.all(
      [resources.deploymentTask, resources.changeRequest, resources.approval].map((rt) =>
        countOf(admin, rt, namespace),
      ),
    );
    const now = counts.join("/");
    unchanged = now === last ? unchanged + 1 : 0;
    last = now;
    // Approvals are counted, not awaited: the runs without admission webhooks have shown none.
    const [tasks = 0, changes = 0] = counts;
    if (tasks >= releases && changes >= releases && unchanged >= 2) return now;
    if (Date.now() > deadline) {
      throw new Error(`the gate's children (tasks/changes/approvals) were ${now} for ${releases} releases`);
    }
    await sleep(3_000);
  }
}
