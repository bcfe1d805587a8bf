import { dimensionsOf } from "../../api/v1alpha1/dimensions.js";
import { deploymentTaskKind } from "../../api/v1alpha1/deployment-task.js";
import { resourceOf } from "../../api/v1alpha1/resource-type.js";
import { closedAt } from "../../audit/archive/closed.js";
import type { KubeClient } from "../../runtime/kube/client.js";
import { dueOf, ownersOf, TaskDocument, type TaskRecord } from "./archived-tasks.js";

/**
 * A DeploymentTask not closed yet, as the cluster shows it (not in the archive, which holds closed tasks only); due at
 * its status.dueAt, else as its spec says.
 */
export type OpenTask = TaskRecord;

/** What listing the open tasks found: the open tasks, and how many objects could not be read as tasks. */
export interface OpenTasks {
  tasks: OpenTask[];
  unreadable: number;
}

/**
 * The tasks among `objects` that are still open by the rule the archive closes them by (`Succeeded` neither True nor
 * False), so a task is counted from the cluster while open and from the archive once closed, never both. Pure.
 */
export function openTasksOf(objects: readonly unknown[]): OpenTasks {
  const found: OpenTasks = { tasks: [], unreadable: 0 };
  for (const object of objects) {
    const parsed = TaskDocument.safeParse(object);
    if (!parsed.success) {
      found.unreadable += 1;
      continue;
    }
    const task = parsed.data;
    if (closedAt("task", { metadata: {}, status: task.status }) !== undefined) continue;
    found.tasks.push({
      namespace: task.metadata.namespace,
      name: task.metadata.name,
      type: task.spec.type,
      owners: ownersOf(task),
      dimensions: dimensionsOf(task.metadata.labels),
      createdAt: task.metadata.creationTimestamp,
      dueAt: dueOf(task),
    });
  }
  return found;
}

/** Lists the DeploymentTasks of one namespace (or, undefined, of all) with the caller's client, page by page. */
export async function listOpenTasks(client: KubeClient, namespace: string | undefined): Promise<OpenTasks> {
  const objects: unknown[] = [];
  let token: string | undefined;
  do {
    const page = await client.list(resourceOf(deploymentTaskKind), {
      namespace,
      limit: 500,
      continue: token,
    });
    objects.push(...page.items);
    token = page.continue;
  } while (token !== undefined);
  return openTasksOf(objects);
}
