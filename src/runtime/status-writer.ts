import { isConflict } from "./kube/api-error.js";
import type { KubeClient } from "./kube/client.js";
import type { KubeObject } from "./kube/object.js";
import type { ResourceType } from "./kube/resource.js";
import { jsonEqual } from "./deep-equal.js";
import { delay } from "./backoff.js";

/** What a status write did. */
export interface StatusWriteResult {
  written: boolean;
  attempts: number;
  object: KubeObject;
}

const MAX_ATTEMPTS = 5;

/**
 * Writes an object's status through the status subresource, only when it differs from what is stored. The write
 * carries the object's resourceVersion; on a conflict (409) it re-reads the object and tries again from that
 * fresh copy, a few times with a small jittered pause. The status is the one writer's whole conclusion, so
 * replacing it on the fresh copy is safe.
 */
export async function writeStatus(
  client: KubeClient,
  rt: ResourceType,
  obj: KubeObject,
  status: unknown,
): Promise<StatusWriteResult> {
  let current = obj;
  for (let attempt = 1; ; attempt++) {
    if (jsonEqual(current.status, status)) return { written: false, attempts: attempt - 1, object: current };
    try {
      const object = await client.update(rt, { ...current, status }, "status");
      return { written: true, attempts: attempt, object };
    } catch (err) {
      if (!isConflict(err) || attempt >= MAX_ATTEMPTS) throw err;
      await delay(5 + Math.random() * 20 * attempt);
      current = await client.get(rt, obj.metadata.name, obj.metadata.namespace);
    }
  }
}
