import { resources } from "../controllers/resources.js";
import { isAlreadyExists, isConflict, isNotFound } from "../runtime/kube/api-error.js";
import type { CallOptions, KubeClient } from "../runtime/kube/client.js";
import type { CreateResult } from "./alertmanager-outcome.js";

/** How many times a resolution is retried from a fresh read when the task changed under it. */
const RESOLVE_ATTEMPTS = 5;

/**
 * Creates the Rollback task with a POST. 409 AlreadyExists means another delivery (a retry, a concurrent copy,
 * another replica) opened it first: "exists", not an error. There is deliberately no read first: a read then a
 * create races, a create alone cannot duplicate. Other API errors are thrown.
 */
export async function createRollbackTask(
  client: KubeClient,
  task: { metadata: Record<string, unknown> } & Record<string, unknown>,
  namespace: string,
  opts: CallOptions = {},
): Promise<Exclude<CreateResult, "failed">> {
  try {
    await client.create(resources.deploymentTask, task, namespace, opts);
    return "created";
  } catch (err) {
    if (isAlreadyExists(err)) return "exists";
    throw err;
  }
}

/** What a resolution found or did, and, on a task, its uid and the resolution time it stores. */
export type Resolution =
  { result: "missing" } | { result: "set" | "already"; uid?: string | undefined; resolvedAt: string };

/**
 * Records `resolvedAt` on the task named by the alert, only if it has none: a merge patch carrying the read
 * resourceVersion as its precondition, so a second resolution (another delivery, another replica) can never
 * overwrite the first; on 409 it re-reads and decides again. A missing task is "missing": resolutions never
 * open work. A task already resolved is "already", with the time it stores. Other API errors are thrown.
 */
export async function resolveRollbackTask(
  client: KubeClient,
  namespace: string,
  name: string,
  resolvedAt: string,
  opts: CallOptions = {},
): Promise<Resolution> {
  for (let attempt = 1; ; attempt++) {
    let task;
    try {
      task = await client.get(resources.deploymentTask, name, namespace, opts);
    } catch (err) {
      if (isNotFound(err)) return { result: "missing" };
      throw err;
    }
    const alert = (task.spec as { alert?: { resolvedAt?: unknown } } | undefined)?.alert;
    if (alert === undefined) return { result: "missing" };
    const uid = task.metadata.uid;
    if (alert.resolvedAt !== undefined) {
      const stored =
        typeof alert.resolvedAt === "string" ? alert.resolvedAt : JSON.stringify(alert.resolvedAt);
      return { result: "already", uid, resolvedAt: stored };
    }
    const patch = {
      metadata: { resourceVersion: task.metadata.resourceVersion },
      spec: { alert: { resolvedAt } },
    };
    try {
      await client.patch(resources.deploymentTask, name, namespace, patch, { type: "merge", ...opts });
      return { result: "set", uid, resolvedAt };
    } catch (err) {
      if (isNotFound(err)) return { result: "missing" };
      if (!isConflict(err) || attempt >= RESOLVE_ATTEMPTS) throw err;
    }
  }
}
