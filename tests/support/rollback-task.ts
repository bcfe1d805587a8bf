// A Rollback task opened as the Alertmanager receiver opens it, for tests that drive the rollback controller
// without going through Alertmanager.
import { RELEASE_LABEL } from "../../src/controllers/release/apply.js";
import { checklistFor } from "../../src/controllers/release/checklists.js";
import { rollbackTaskName } from "../../src/controllers/release/names.js";
import { resources } from "../../src/controllers/resources.js";
import { testRollbackSeal } from "./rollback-seal.js";
import type { TestScope } from "./kube.js";

const API_VERSION = "stagegate.io/v1alpha1";

/** The alert the opened Rollback task carries as evidence. */
export const TEST_ALERT = { name: "HighErrorRate", fingerprint: "3fa1c2d4e5f60718" } as const;

/**
 * Opens the Rollback task of `release` in `environment` as the Alertmanager receiver does (type Rollback, the
 * release's label and owner reference, the rollback owner, the Rollback checklist, {@link TEST_ALERT} as evidence,
 * started a minute ago, sealed with {@link testRollbackSeal} as the receiver seals it under the release's rollback
 * policy now), as the scope's admin, and returns its name.
 */
export async function openRollbackTask(
  scope: TestScope,
  release: string,
  environment: string,
  rollbackOwner: string,
): Promise<string> {
  const owner = await scope.admin.get(resources.release, release, scope.namespace);
  const startsAt = new Date(Date.now() - 60_000);
  startsAt.setUTCMilliseconds(0);
  const name = rollbackTaskName(release, environment, TEST_ALERT.fingerprint, startsAt);
  const policy = (owner.spec as { rollbackPolicy?: { mode?: "Automatic" | "Manual" | "Disabled" } })
    .rollbackPolicy?.mode;
  const annotations = testRollbackSeal.annotations({
    namespace: scope.namespace,
    name,
    release: { name: release, uid: owner.metadata.uid },
    environment,
    origin: "Alert",
    policy: policy ?? "Manual",
  });
  await scope.admin.create(
    resources.deploymentTask,
    {
      apiVersion: API_VERSION,
      kind: "DeploymentTask",
      metadata: {
        name,
        namespace: scope.namespace,
        labels: { [RELEASE_LABEL]: release },
        annotations,
        ownerReferences: [
          {
            apiVersion: API_VERSION,
            kind: "Release",
            name: release,
            uid: owner.metadata.uid,
            controller: true,
          },
        ],
      },
      spec: {
        type: "Rollback",
        title: `Roll back ${release} in ${environment}: alert ${TEST_ALERT.name} is firing`,
        releaseRef: { name: release },
        environment,
        owners: [{ name: rollbackOwner }],
        checklist: checklistFor("Rollback"),
        alert: {
          name: TEST_ALERT.name,
          fingerprint: TEST_ALERT.fingerprint,
          startsAt: startsAt.toISOString(),
          labels: { alertname: TEST_ALERT.name, app: release },
          annotations: { summary: "5xx above 5%" },
          receivedAt: new Date().toISOString(),
        },
      },
    },
    scope.namespace,
  );
  return name;
}
