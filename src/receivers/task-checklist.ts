import { z } from "zod";
import { ChecklistItem, TaskType } from "../api/v1alpha1/deployment-task.js";
import { API_VERSION } from "../api/v1alpha1/group.js";
import { resources } from "../controllers/resources.js";
import { isConflict, isNotFound } from "../runtime/kube/api-error.js";
import type { CallOptions, KubeClient } from "../runtime/kube/client.js";
import type { KubeObject } from "../runtime/kube/object.js";
import { EventRejected } from "./answer.js";
import { decideChecklist, type ItemOutcome, type ItemUpdate } from "./checklist-decision.js";
import { ownedChecklistItems } from "./owned-items.js";

/**
 * The field manager of every checklist item a pipeline event writes. It is not the operator's: server-side apply
 * drops a manager's fields that its next apply leaves out, so sharing one would erase the operator's.
 */
export const PIPELINE_FIELD_MANAGER = "stagegate-pipeline-events";

/** How many fresh reads a write is retried from when the task changed under it. */
const ATTEMPTS = 3;

const TaskView = z.looseObject({
  spec: z.looseObject({ type: TaskType, checklist: z.array(ChecklistItem).default([]) }),
});

/** What writing a task's checklist did: per item, and whether the task changed. */
export interface ChecklistWrite {
  items: ItemOutcome[];
  changed: boolean;
}

/**
 * Applies an event's item updates to the named task: read, decide (see decideChecklist), apply only when
 * something changes, with the read resourceVersion as precondition, retried from a fresh read on 409. Returns
 * undefined when the task does not exist. A task of another type, or one whose items keep conflicting with
 * another manager's, is refused with 409.
 */
export async function writeChecklist(
  client: KubeClient,
  task: { namespace: string; name: string; type: TaskType },
  updates: readonly ItemUpdate[],
  opts: CallOptions = {},
): Promise<ChecklistWrite | undefined> {
  let lastConflict = "";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    let live: KubeObject;
    try {
      live = await client.get(resources.deploymentTask, task.name, task.namespace, opts);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const view = TaskView.safeParse(live);
    if (!view.success || view.data.spec.type !== task.type) {
      throw new EventRejected(
        409,
        "TaskMismatch",
        `DeploymentTask ${task.namespace}/${task.name} is not a ${task.type} task the operator can read; ` +
          "it was replaced by hand: delete it and send io.stagegate.build.promoted again.",
      );
    }
    const owned = ownedChecklistItems(live.metadata.managedFields, PIPELINE_FIELD_MANAGER);
    const decision = decideChecklist(view.data.spec.checklist, owned, updates);
    if (decision.apply === undefined) return { items: decision.items, changed: false };
    const patch = {
      apiVersion: API_VERSION,
      kind: "DeploymentTask",
      metadata: {
        name: task.name,
        namespace: task.namespace,
        resourceVersion: live.metadata.resourceVersion,
      },
      spec: { checklist: decision.apply },
    };
    try {
      await client.apply(resources.deploymentTask, patch, { fieldManager: PIPELINE_FIELD_MANAGER, ...opts });
      return { items: decision.items, changed: true };
    } catch (err) {
      if (!isConflict(err)) throw err;
      lastConflict = (err as Error).message;
    }
  }
  throw new EventRejected(
    409,
    "TaskConflict",
    `DeploymentTask ${task.namespace}/${task.name} kept changing or another writer owns its items ` +
      `(${lastConflict}); retry the event later.`,
  );
}
