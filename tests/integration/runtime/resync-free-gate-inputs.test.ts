// ADR 0068: nothing waits for the periodic resync. A release held by a freeze scoped to its namespace's labels moves
// on as soon as the namespace is relabelled out of the scope; before, the Release controller read the labels from
// the cache without watching them, and only the resync (or the freeze's end, an hour away here) woke the release.
// The world runs with the resync off (tests/support/run-controllers.ts), so only a watch can wake it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { createEnvironment, useControllerWorld } from "../../support/controller-world.js";
import { createArgoApplication } from "../../support/delivery-objects.js";
import { waitFor } from "../../support/kube.js";
import {
  createRelease,
  envOf,
  releaseControllers,
  syncRequested,
  waitForEnvState,
} from "../../support/release-world.js";

const SHA = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const SCOPE = "stagegate.io/test-freeze-scope";

describe("Gate inputs read from the caches wake the releases they hold, with the resync off", () => {
  let prod = "";
  let scope = "";
  const w = useControllerWorld(
    { namespacePrefix: "resync-free", tag: "rf", controllers: releaseControllers() },
    async (world) => {
      prod = world.unique("prod");
      scope = world.unique("frozen");
      const now = Date.now();
      await createEnvironment(world, prod, {
        gate: {
          freezes: [
            {
              name: "scoped-hold",
              start: new Date(now - 3_600_000).toISOString(),
              end: new Date(now + 3_600_000).toISOString(),
              namespaceSelector: { matchLabels: { [SCOPE]: scope } },
            },
          ],
        },
      });
      await createArgoApplication(world, "shop-scoped");
    },
  );

  it("promotes a release once its namespace's labels take it out of a freeze's scope", async () => {
    const { admin, namespace } = w();
    const label = (value: string | null) =>
      admin.patch(
        builtin.namespace,
        namespace,
        undefined,
        { metadata: { labels: { [SCOPE]: value } } },
        {
          type: "merge",
        },
      );
    await label(scope);
    await waitFor("the namespace's label to reach the cache", () =>
      w().running.informers.namespaces.store.get(namespace)?.metadata.labels?.[SCOPE] === scope
        ? true
        : undefined,
    );

    await createRelease(w(), "shop-1", {
      version: "1.0.0",
      revision: SHA,
      pipeline: [prod],
      targets: [{ environment: prod, argoCD: { name: "shop-scoped", namespace, revision: SHA } }],
    });
    const gated = await waitForEnvState(w(), "shop-1", prod, "Gated");
    assert.match((envOf(gated, prod)?.reasons ?? []).join(" "), /scoped-hold/);

    await label(null);
    const app = await syncRequested(w(), "shop-scoped", SHA);
    assert.ok(app.metadata.annotations !== undefined, "the release took the target's lock to promote");
  });
});
