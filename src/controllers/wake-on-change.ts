import { jsonEqual } from "../runtime/deep-equal.js";
import type { InformerEvent } from "../runtime/informer/informer.js";
import type { KubeObject } from "../runtime/kube/object.js";

/**
 * A watch's `toKeys` that wakes only on what a reconciler reads of the watched object: `keysOf(object)` for
 * every event except an update that left `read(object)` as it was (a status that changes often and says
 * nothing to the reconciler wakes no one). An update without the old copy wakes, as nothing tells what changed.
 */
export function wakeOnChange(
  read: (obj: KubeObject | undefined) => unknown,
  keysOf: (obj: KubeObject) => string[],
): (event: InformerEvent) => string[] {
  return (event) =>
    event.type === "updated" && event.old !== undefined && jsonEqual(read(event.old), read(event.object))
      ? []
      : keysOf(event.object);
}
