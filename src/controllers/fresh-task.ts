import type { ReconcileRequest, ReconcileResult } from "../runtime/controller.js";
import { isConflict, isNotFound } from "../runtime/kube/api-error.js";
import type { CallOptions, KubeClient } from "../runtime/kube/client.js";
import type { KubeObject } from "../runtime/kube/object.js";
import { resources } from "./resources.js";

/** Reads the DeploymentTask a request names from the API server, not the cache; undefined once it is gone. */
export async function readFreshTask(
  client: KubeClient,
  req: Pick<ReconcileRequest, "name" | "namespace">,
  opts: CallOptions,
): Promise<KubeObject | undefined> {
  try {
    return await client.get(resources.deploymentTask, req.name, req.namespace, opts);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** What one look at a task came to: a result to return as it is, or a decision to write. */
export type TaskStep<D> =
  | { done: ReconcileResult }
  | {
      decision: D;
      /** Whether writing it changes the task, so that it must first be confirmed against a fresh read. */
      writesTask: boolean;
      /**
       * Whether the write is confirmed without that read: it writes the task alone, first, with the resourceVersion
       * of the copy it was decided from as its precondition, so a copy the cache has not brought up to date is
       * refused (409) and the decision is made again from a fresh read (ADR 0054).
       */
      confirmedByPrecondition?: boolean;
    };

/** How one pass over a DeploymentTask decides and writes. */
export interface TaskPass<D> {
  client: KubeClient;
  req: Pick<ReconcileRequest, "name" | "namespace">;
  opts: CallOptions;
  /** How many writes that lost a race are decided again before the error reaches the queue. */
  maxAttempts: number;
  /** Looks at a copy of the task (reads only) and decides. */
  decide(task: KubeObject): Promise<TaskStep<D>>;
  /** Writes a decision made from `task`; a conflict (409) means the task changed meanwhile. */
  write(task: KubeObject, decision: D): Promise<ReconcileResult>;
}

/**
 * One reconcile pass over a DeploymentTask, as the drift check and the rollback controllers converge one. A
 * decision that writes to the task is first confirmed against a fresh read, once per pass (the cache may not
 * have seen a person's latest edit): a task changed meanwhile is decided again from the fresh copy, unless the write
 * itself is the confirmation (its precondition is the copy's resourceVersion; see `confirmedByPrecondition`). A write
 * that conflicts is decided again from a fresh read, up to `maxAttempts` times. A task that is gone ends the
 * pass with nothing to do.
 */
export async function convergeTask<D>(cached: KubeObject, pass: TaskPass<D>): Promise<ReconcileResult> {
  let task: KubeObject | undefined = cached;
  let fresh = false;
  for (let attempt = 1; task !== undefined; attempt++) {
    const step = await pass.decide(task);
    if ("done" in step) return step.done;
    if (step.writesTask && step.confirmedByPrecondition !== true && !fresh) {
      const latest = await readFreshTask(pass.client, pass.req, pass.opts);
      fresh = true;
      if (latest?.metadata.resourceVersion !== task.metadata.resourceVersion) {
        task = latest;
        continue;
      }
    }
    try {
      return await pass.write(task, step.decision);
    } catch (err) {
      if (!isConflict(err) || attempt >= pass.maxAttempts) throw err;
      task = await readFreshTask(pass.client, pass.req, pass.opts);
      fresh = true;
    }
  }
  return {};
}
