// The objects a scale run promotes: one Environment owning the delivery objects of the run's namespace, and per
// release an Argo CD Application (as `argocd app create` leaves it: no status) and a one-stage Release targeting
// it, created as a platform engineer and a release manager would. The Release carries the lock finalizer the release
// mutating webhook adds at creation: the benchmark does not serve the webhooks (their cost is the API server's), so
// it creates the Release as the webhook would have stored it, and the operator's writes are those of a cluster with
// the chart.
import { createHash } from "node:crypto";
import { builtin } from "../../src/runtime/kube/resource.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { createEnvironment, ownsDeliveryIn } from "../../tests/support/controller-world.js";
import { createArgoApplication } from "../../tests/support/delivery-objects.js";
import { API_VERSION } from "../../src/api/v1alpha1/group.js";
import { resources } from "../../src/controllers/resources.js";
import { LOCK_FINALIZER } from "../../src/controllers/release/finalizer.js";
import { releaseSpec } from "../../tests/support/release-world.js";
import { runTimed, type TimedRun } from "./timed-runs.js";

/** The one environment every release of the run is promoted to. */
export const ENVIRONMENT = "scale-prod";

/** Where a scale run's objects live. */
export interface ScaleScope {
  readonly admin: KubeClient;
  readonly namespace: string;
}

/** The Application and Release of release number `i`. */
export const applicationName = (i: number): string => `app-${i}`;
export const releaseName = (i: number): string => `rel-${i}`;

/** A full 40-hex commit SHA per release: each release ships its own artifact. */
export const revisionOf = (i: number): string => createHash("sha1").update(`release-${i}`).digest("hex");

/** Creates the run's namespace and the Environment (no gate: promotion as soon as the target is ready). */
export async function createScaleWorld(scope: ScaleScope): Promise<void> {
  await scope.admin.create(builtin.namespace, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: scope.namespace },
  });
  await createEnvironment({ admin: scope.admin }, ENVIRONMENT, { delivery: ownsDeliveryIn(scope.namespace) });
}

/** Creates the Applications of releases `indices` (`concurrency` in flight). */
export async function createApplications(
  scope: ScaleScope,
  indices: readonly number[],
  concurrency: number,
): Promise<void> {
  await runTimed(indices.length, concurrency, async (k) => {
    await createArgoApplication(scope, applicationName(indices[k] ?? 0));
  });
}

/** Creates the Releases `indices` (`concurrency` in flight), timing each create from its start. */
export function createReleases(
  scope: ScaleScope,
  indices: readonly number[],
  concurrency: number,
): Promise<TimedRun> {
  return runTimed(indices.length, concurrency, async (k) => {
    const i = indices[k] ?? 0;
    const revision = revisionOf(i);
    const spec = releaseSpec({
      version: `1.0.${i}`,
      revision,
      pipeline: [ENVIRONMENT],
      targets: [
        {
          environment: ENVIRONMENT,
          argoCD: { name: applicationName(i), namespace: scope.namespace, revision },
        },
      ],
    });
    await scope.admin.create(
      resources.release,
      {
        apiVersion: API_VERSION,
        kind: "Release",
        // As the release webhook stores it (see the top of this file).
        metadata: { name: releaseName(i), namespace: scope.namespace, finalizers: [LOCK_FINALIZER] },
        spec,
      },
      scope.namespace,
    );
  });
}

/** The numbers `from` .. `from + count - 1`. */
export const range = (from: number, count: number): number[] =>
  Array.from({ length: count }, (_, k) => from + k);
