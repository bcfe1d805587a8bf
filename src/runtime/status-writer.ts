import { isConflict } from "./kube/api-error.js";
import type { CallOptions, KubeClient } from "./kube/client.js";
import type { KubeObject } from "./kube/object.js";
import type { ResourceType } from "./kube/resource.js";
import { jsonEqual } from "./deep-equal.js";
import { delay } from "./backoff.js";

/** What a status write did, and the decision that was written (or found already in place). */
export interface StatusUpdate<D> {
  written: boolean;
  attempts: number;
  object: KubeObject;
  decision: D;
}

const MAX_ATTEMPTS = 5;

/**
 * Writes an object's status through the status subresource, only when the decided status differs from what is
 * stored. The write carries the object's resourceVersion; on a conflict (409) it re-reads the object and decides
 * again from that fresh copy (so a status decided from a stale cache is never forced over a newer one), a few
 * times with a small jittered pause, then gives up with the conflict so the reconcile is retried with backoff.
 * `beforeWrite`, when given, runs before each write attempt with the decision about to be written.
 */
export async function updateStatus<D extends { status: unknown }>(
  client: KubeClient,
  rt: ResourceType,
  obj: KubeObject,
  decide: (current: KubeObject) => D,
  opts: CallOptions = {},
  beforeWrite?: (decision: D, current: KubeObject) => Promise<void>,
): Promise<StatusUpdate<D>> {
  let current = obj;
  for (let attempt = 1; ; attempt++) {
    const decision = decide(current);
    if (jsonEqual(current.status, decision.status)) {
      return { written: false, attempts: attempt - 1, object: current, decision };
    }
    // What must be on record before the status says it happened (audit entries: ADR 0031); run again for the
    // decision made again after a conflict.
    if (beforeWrite !== undefined) await beforeWrite(decision, current);
    try {
      const object = await client.update(rt, { ...current, status: decision.status }, "status", opts);
      return { written: true, attempts: attempt, object, decision };
    } catch (err) {
      if (!isConflict(err) || attempt >= MAX_ATTEMPTS) throw err;
      await delay(5 + Math.random() * 20 * attempt, opts.signal);
      current = await client.get(rt, obj.metadata.name, obj.metadata.namespace, opts);
    }
  }
}

/**
 * Writes a status that does not depend on the stored one (for example a condition added to whatever is there is
 * NOT such a case: use updateStatus). On a conflict the same status is written onto the fresh copy.
 */
export async function writeStatus(
  client: KubeClient,
  rt: ResourceType,
  obj: KubeObject,
  status: unknown,
  opts: CallOptions = {},
): Promise<StatusUpdate<{ status: unknown }>> {
  return updateStatus(client, rt, obj, () => ({ status }), opts);
}
