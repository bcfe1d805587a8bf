// The world of the break-glass end-to-end test: the Rollback task opened as the Alertmanager receiver opens it,
// typed reads of the emergency ChangeRequest, its Approval and the review task, and the clean-up of the Releases
// while the operator still runs to remove their finalizer.
import { ApprovalSpec, ApprovalStatus } from "../../src/api/v1alpha1/approval.js";
import { ChangeRequestSpec, ChangeRequestStatus } from "../../src/api/v1alpha1/change-request.js";
import { DeploymentTaskSpec, DeploymentTaskStatus } from "../../src/api/v1alpha1/deployment-task.js";
import { RELEASE_LABEL } from "../../src/controllers/release/apply.js";
import { checklistFor } from "../../src/controllers/release/checklists.js";
import { rollbackTaskName } from "../../src/controllers/release/names.js";
import { resources } from "../../src/controllers/resources.js";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { read } from "../support/controller-world.js";
import { waitFor, type TestScope } from "../support/kube.js";

const API_VERSION = "stagegate.io/v1alpha1";

/** How long one step of the story may take: the operator is its own process, behind real watches. */
export const STEP_TIMEOUT_MS = 60_000;

/** The alert the Rollback task carries as evidence. */
export const ALERT = { name: "HighErrorRate", fingerprint: "3fa1c2d4e5f60718" } as const;

/**
 * Opens the Rollback task of `release` in `environment` as the Alertmanager receiver does (type Rollback, the
 * release's label and owner reference, the rollback owner, the Rollback checklist, the alert as evidence), as the
 * admin, and returns its name.
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
  const name = rollbackTaskName(release, environment, ALERT.fingerprint, startsAt);
  await scope.admin.create(
    resources.deploymentTask,
    {
      apiVersion: API_VERSION,
      kind: "DeploymentTask",
      metadata: {
        name,
        namespace: scope.namespace,
        labels: { [RELEASE_LABEL]: release },
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
        title: `Roll back ${release} in ${environment}: alert ${ALERT.name} is firing`,
        releaseRef: { name: release },
        environment,
        owners: [{ name: rollbackOwner }],
        checklist: checklistFor("Rollback"),
        alert: {
          name: ALERT.name,
          fingerprint: ALERT.fingerprint,
          startsAt: startsAt.toISOString(),
          labels: { alertname: ALERT.name, app: release },
          annotations: { summary: "5xx above 5%" },
          receivedAt: new Date().toISOString(),
        },
      },
    },
    scope.namespace,
  );
  return name;
}

/** A ChangeRequest as stored, parsed. */
export interface ChangeView {
  object: KubeObject;
  spec: ChangeRequestSpec;
  status: ChangeRequestStatus;
}

/** Waits, bounded, until the ChangeRequest exists and `ready` holds for it; the error names the last state seen. */
export async function waitForChange(
  scope: TestScope,
  name: string,
  what: string,
  ready: (change: ChangeView) => boolean = () => true,
): Promise<ChangeView> {
  let last: ChangeView | undefined;
  try {
    return await waitFor(
      `ChangeRequest ${name} ${what}`,
      async () => {
        const object = await read(scope, resources.changeRequest, name);
        if (object === undefined) return undefined;
        last = {
          object,
          spec: ChangeRequestSpec.parse(object.spec),
          status: ChangeRequestStatus.parse(object.status ?? {}),
        };
        return ready(last) ? last : undefined;
      },
      { timeoutMs: STEP_TIMEOUT_MS },
    );
  } catch (err) {
    const seen = last === undefined ? "nothing" : JSON.stringify(last.status);
    throw new Error(`${(err as Error).message}; last status seen: ${seen}`, { cause: err });
  }
}

/** The Approval `name` as stored, parsed; undefined until it exists. */
export async function readApproval(
  scope: TestScope,
  name: string,
): Promise<{ spec: ApprovalSpec; status: ApprovalStatus } | undefined> {
  const object = await read(scope, resources.approval, name);
  if (object === undefined) return undefined;
  return { spec: ApprovalSpec.parse(object.spec), status: ApprovalStatus.parse(object.status ?? {}) };
}

/** A DeploymentTask as stored, parsed. */
export interface TaskRead {
  object: KubeObject;
  spec: DeploymentTaskSpec;
  status: DeploymentTaskStatus;
}

/** The DeploymentTask `name` as stored, parsed; undefined until it exists. */
export async function readTask(scope: TestScope, name: string): Promise<TaskRead | undefined> {
  const object = await read(scope, resources.deploymentTask, name);
  if (object === undefined) return undefined;
  return {
    object,
    spec: DeploymentTaskSpec.parse(object.spec),
    status: DeploymentTaskStatus.parse(object.status ?? {}),
  };
}

/** Deletes every Release of the namespace and waits until the operator has removed its finalizer from each. */
export async function deleteReleases(admin: KubeClient, namespace: string): Promise<void> {
  const { items } = await admin.list(resources.release, { namespace });
  for (const release of items) {
    await admin.delete(resources.release, release.metadata.name, namespace).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }
  await waitFor(
    "the operator to finalize the deleted Releases",
    async () => ((await admin.list(resources.release, { namespace })).items.length === 0 ? true : undefined),
    { timeoutMs: STEP_TIMEOUT_MS },
  );
}
