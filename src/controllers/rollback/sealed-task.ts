import type { CallOptions, KubeClient } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import { isAlreadyExists, isNotFound } from "../../runtime/kube/api-error.js";
import { admissionControlsIntact } from "../admission-guard/guard.js";
import { resources } from "../resources.js";
import { rollbackEvidence, type EvidenceRelease } from "./evidence.js";
import type { RollbackSeal } from "./seal.js";

/** What the operator's Rollback task is about, to tell it from someone else's task under the same name. */
export interface SealedTaskOwner {
  namespace: string;
  environment: string;
  release: EvidenceRelease;
}

/** A DeploymentTask body. */
type Body = { metadata: Record<string, unknown> } & Record<string, unknown>;

/** A DeploymentTask body for a given name (the seal covers the name, so it is built per name). */
export type TaskBody = (name: string) => Body | Promise<Body>;

async function provenAt(
  client: KubeClient,
  seal: RollbackSeal,
  owner: SealedTaskOwner,
  name: string,
  opts: CallOptions,
): Promise<{ opened: boolean; task: KubeObject } | undefined> {
  try {
    const existing = await client.get(resources.deploymentTask, name, owner.namespace, opts);
    const admission = admissionControlsIntact();
    return {
      opened: rollbackEvidence(seal, existing, owner.environment, owner.release, admission).opened,
      task: existing,
    };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Creates the operator's sealed Rollback task under its deterministic `name` (POST; an existing task of the
 * operator's means "already opened"). When someone else's task squats that name (it does not verify), the task is
 * opened under {@link RollbackSeal.alternateName} instead, so a pre-created decoy can neither block the rollback nor
 * be taken for it. Returns the name the operator's task has, whether this call created it and, when it did, the
 * created task (and its uid); when it did not, the task as read to tell whose it is (so the caller need not read it
 * again).
 */
export async function createSealedRollbackTask(
  client: KubeClient,
  seal: RollbackSeal,
  owner: SealedTaskOwner,
  name: string,
  body: TaskBody,
  opts: CallOptions = {},
): Promise<{
  created: boolean;
  name: string;
  squatted: boolean;
  uid?: string | undefined;
  task?: KubeObject | undefined;
  existing?: KubeObject | undefined;
}> {
  const candidates = [name, seal.alternateName(name)];
  for (const [index, candidate] of candidates.entries()) {
    try {
      const planned = await body(candidate);
      const created = await client.create(resources.deploymentTask, planned, owner.namespace, opts);
      return {
        created: true,
        name: candidate,
        squatted: index > 0,
        uid: created.metadata.uid,
        task: created,
      };
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const found = await provenAt(client, seal, owner, candidate, opts);
    if (found === undefined) return { created: false, name: candidate, squatted: index > 0 };
    if (found.opened) return { created: false, name: candidate, squatted: index > 0, existing: found.task };
  }
  return { created: false, name: candidates[1] ?? name, squatted: true };
}

/**
 * The name of the operator's Rollback task that {@link createSealedRollbackTask} opened for `name`: `name` itself,
 * unless a task there does not verify (then the alternate name). For recording an alert's resolution on the right
 * task.
 */
export async function sealedRollbackTaskName(
  client: KubeClient,
  seal: RollbackSeal,
  owner: SealedTaskOwner,
  name: string,
  opts: CallOptions = {},
): Promise<string> {
  return (await provenAt(client, seal, owner, name, opts))?.opened === false
    ? seal.alternateName(name)
    : name;
}
