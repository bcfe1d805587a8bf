import { createSealedRollbackTask } from "../rollback/sealed-task.js";
import type { RollbackMode, RollbackSeal } from "../rollback/seal.js";
import { API_VERSION } from "../../api/v1alpha1/group.js";
import type { Owner } from "../../api/v1alpha1/meta.js";
import type { CallOptions, KubeClient } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { RELEASE_LABEL } from "../release/apply.js";
import { checklistFor } from "../release/checklists.js";
import { resources } from "../resources.js";
import { applyToTask } from "../task-apply.js";
import type { ItemConclusion } from "./evidence.js";
import type { LogEntry } from "./log-entries.js";
import { VERIFICATION_FIELD_MANAGER } from "./reasons.js";
import { labelValue } from "../../runtime/kube/label-value.js";

/**
 * The verification's writes. Log entries are appended by a JSON patch that carries the resourceVersion the
 * entries were decided from (`replace /metadata/resourceVersion`, which the API server checks like an update's):
 * `spec.log` is an atomic list, so only a read-modify-write on an unchanged task is safe, and a changed task
 * answers 409 Conflict instead of losing someone's entry or logging an instant twice. (A JSON patch `test` of
 * the resourceVersion would also refuse, but with a bare 422 that cannot be told from any other bad patch.) The checklist item is written by server-side apply under VERIFICATION_FIELD_MANAGER with the same
 * precondition. That manager owns exactly the measured item's state, completedBy and evidence, and every apply
 * names all of them, since an apply drops the fields its manager owned and no longer names.
 */

/** Appends entries to the task's log, only if the task is still at the resourceVersion they were decided from. */
export async function appendLog(
  client: KubeClient,
  task: KubeObject,
  entries: readonly LogEntry[],
  opts: CallOptions,
): Promise<KubeObject> {
  const hasLog = Array.isArray((task.spec as { log?: unknown } | undefined)?.log);
  const patch = [
    { op: "replace", path: "/metadata/resourceVersion", value: task.metadata.resourceVersion },
    ...(hasLog
      ? entries.map((entry) => ({ op: "add", path: "/spec/log/-", value: entry }))
      : [{ op: "add", path: "/spec/log", value: entries }]),
  ];
  return client.patch(resources.deploymentTask, task.metadata.name, task.metadata.namespace, patch, {
    type: "json",
    ...opts,
  });
}

/**
 * Concludes the measured item (Done or Failed, with evidence). Forced, so the item's state is taken over even if
 * a person once set it; the resourceVersion guarantees the item was still Pending when the conclusion was drawn,
 * so it never overrides what a person decided.
 */
export async function concludeItem(
  client: KubeClient,
  task: KubeObject,
  item: ItemConclusion,
  opts: CallOptions,
): Promise<KubeObject> {
  return applyToTask(client, task, { fieldManager: VERIFICATION_FIELD_MANAGER, items: [item] }, opts);
}

/** The Rollback task a failed verification opens, and what it says. */
export interface RollbackTaskPlan {
  name: string;
  namespace: string;
  release: { name: string; uid: string | undefined };
  environment: string;
  rollbackOwner: Owner;
  /** The release's rollback policy now, sealed with the task. */
  policy: RollbackMode;
  version: string;
  description: string;
}

/**
 * Opens the Rollback task (owned by the Release, labelled with it, for the release's rollback owner, sealed as
 * the operator's with origin Verification). Created with POST: an existing task of the operator's (a repeated
 * pass) is left as it is; someone else's task squatting the name is passed over for the seal's alternate name.
 * Returns the name of the operator's task and whether this call created it.
 */
export async function openRollbackTask(
  client: KubeClient,
  plan: RollbackTaskPlan,
  seal: RollbackSeal,
  opts: CallOptions,
): Promise<{ created: boolean; name: string }> {
  const annotations = (name: string) =>
    seal.annotations({
      namespace: plan.namespace,
      name,
      release: plan.release,
      environment: plan.environment,
      origin: "Verification",
      policy: plan.policy,
    });
  const body = (name: string) => ({
    apiVersion: API_VERSION,
    kind: "DeploymentTask",
    metadata: {
      name,
      namespace: plan.namespace,
      labels: { [RELEASE_LABEL]: labelValue(plan.release.name) },
      annotations: annotations(name),
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: "Release",
          name: plan.release.name,
          uid: plan.release.uid,
          controller: true,
        },
      ],
    },
    spec: {
      type: "Rollback",
      title: `Roll back ${plan.release.name} ${plan.version} in ${plan.environment}`,
      description: plan.description,
      releaseRef: { name: plan.release.name },
      environment: plan.environment,
      owners: [{ ...plan.rollbackOwner }],
      checklist: checklistFor("Rollback"),
    },
  });
  const owner = {
    namespace: plan.namespace,
    environment: plan.environment,
    release: { ...plan.release, rollbackOwner: plan.rollbackOwner.name },
  };
  const opened = await createSealedRollbackTask(client, seal, owner, plan.name, body, opts);
  return { created: opened.created, name: opened.name };
}
