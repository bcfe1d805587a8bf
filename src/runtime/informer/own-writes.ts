import type { KubeClient } from "../kube/client.js";
import type { ResourceType } from "../kube/resource.js";
import type { Informer } from "./informer.js";

function resourceId(rt: ResourceType): string {
  return `${rt.plural}.${rt.group}`;
}

/**
 * Routes every replace `client` makes to the informer caching that resource ({@link Informer.applyOwnWrite}), so a
 * controller's next pass reads its own last write even before the watch delivers it. Returns the removal.
 */
export function takeInOwnWrites(client: KubeClient, informers: readonly Informer[]): () => void {
  const byResource = new Map(informers.map((informer) => [resourceId(informer.resource), informer]));
  return client.observeUpdates((rt, replaced, stored) =>
    byResource.get(resourceId(rt))?.applyOwnWrite(replaced, stored),
  );
}
