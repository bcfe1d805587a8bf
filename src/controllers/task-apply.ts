import type { Evidence } from "../api/v1alpha1/deployment-task.js";
import { API_VERSION } from "../api/v1alpha1/group.js";
import type { CallOptions, KubeClient } from "../runtime/kube/client.js";
import type { KubeObject } from "../runtime/kube/object.js";
import { resources } from "./resources.js";

/** A checklist item as a task controller concludes it: its state, who concluded it, and the evidence. */
export interface ConcludedItem {
  name: string;
  state: "Done" | "Failed";
  completedBy: string;
  evidence: Evidence;
}

/** What a task controller writes to a DeploymentTask, and as which field manager. */
export interface TaskWrite {
  fieldManager: string;
  /** The controller's annotations (its recorded verdict); none when undefined. */
  annotations?: Readonly<Record<string, string>> | undefined;
  /** The checklist items it concludes; none when undefined. */
  items?: readonly ConcludedItem[] | undefined;
}

/**
 * Writes a task controller's annotations and checklist items by server-side apply under its own field manager,
 * with the resourceVersion the decision was made from: a decision from a stale copy fails with a conflict (409)
 * instead of landing on a task a person changed meanwhile, and the apply never creates a deleted task.
 * `spec.checklist` is a list-map keyed by name, so only the named items' state, completedBy and evidence are
 * touched. A write of items is forced: a person who once set an item back to Pending owns its `state`, and the
 * precondition guarantees the items were still Pending when decided, so the force never overrides a person.
 */
export async function applyToTask(
  client: KubeClient,
  task: KubeObject,
  write: TaskWrite,
  opts: CallOptions,
): Promise<KubeObject> {
  const { fieldManager, annotations, items } = write;
  return client.apply(
    resources.deploymentTask,
    {
      apiVersion: API_VERSION,
      kind: "DeploymentTask",
      metadata: {
        name: task.metadata.name,
        namespace: task.metadata.namespace,
        resourceVersion: task.metadata.resourceVersion,
        ...(annotations === undefined ? {} : { annotations: { ...annotations } }),
      },
      ...(items === undefined
        ? {}
        : { spec: { checklist: items.map((item) => ({ ...item, evidence: { ...item.evidence } })) } }),
    },
    { fieldManager, ...(items === undefined ? {} : { force: true }), ...opts },
  );
}
