// The objects a scale run promotes: one Environment owning the delivery objects of the run's namespace, and per
// release an Argo CD Application (as `argocd app create` leaves it: no status) and a one-stage Release targeting
// it, created as a platform engineer and a release manager would.
import { createHash } from "node:crypto";
import { builtin } from "../../src/runtime/kube/resource.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { createEnvironment, ownsDeliveryIn } from "../../tests/support/controller-world.js";
import { createArgoApplication } from "../../tests/support/delivery-objects.js";
import { createRelease } from "../../tests/support/release-world.js";
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
    await createRelease(scope, releaseName(i), {
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
  });
}

/** The numbers `from` .. `from + count - 1`. */
export const range = (from: number, count: number): number[] =>
  Array.from({ length: count }, (_, k) => from + k);
