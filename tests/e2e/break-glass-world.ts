// The world of the break-glass end-to-end test: the Rollback task opened as the Alertmanager receiver opens it,
// typed reads of the emergency ChangeRequest, its Approval and the review task, and the clean-up of the Releases
// while the operator still runs to remove their finalizer.
import { ApprovalSpec, ApprovalStatus } from "../../src/api/v1alpha1/approval.js";
import { ChangeRequestSpec, ChangeRequestStatus } from "../../src/api/v1alpha1/change-request.js";
import { DeploymentTaskSpec, DeploymentTaskStatus } from "../../src/api/v1alpha1/deployment-task.js";
import { resources } from "../../src/controllers/resources.js";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { read } from "../support/controller-world.js";
import { openRollbackTask, TEST_ALERT } from "../support/rollback-task.js";
import { waitFor, type TestScope } from "../support/kube.js";

/** How long one step of the story may take: the operator is its own process, behind real watches. */
export const STEP_TIMEOUT_MS = 60_000;

/** The alert the Rollback task carries as evidence. */
export const ALERT = TEST_ALERT;

export { openRollbackTask };

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
