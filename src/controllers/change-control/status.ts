import { jsonEqual } from "../../runtime/deep-equal.js";
import type { CallOptions, KubeClient } from "../../runtime/kube/client.js";
import type { KubeObject } from "../../runtime/kube/object.js";
import type { ResourceType } from "../../runtime/kube/resource.js";

/**
 * Replaces a ChangeRequest's status when the decision changed it, with the decided-from object's
 * resourceVersion as the precondition, and returns whether it wrote. A conflict is thrown to the reconciler,
 * which decides again from a fresh read: deciding a change reads the server and records audit entries before
 * the write, which the runtime's synchronous `updateStatus` cannot do between its attempts.
 */
export async function replaceStatus(
  client: KubeClient,
  rt: ResourceType,
  obj: KubeObject,
  status: unknown,
  opts: CallOptions = {},
): Promise<boolean> {
  if (jsonEqual(obj.status, status)) return false;
  await client.update(rt, { ...obj, status }, "status", opts);
  return true;
}
