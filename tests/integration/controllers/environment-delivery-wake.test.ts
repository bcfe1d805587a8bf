// Issue 12's 10,000-release run lost its Lease while it merely watched the Applications being created: every
// creation woke every Environment, and each pass looked over every delivery object. Against the real API server,
// with the real informers and Environment controller: creating Applications that one environment owns alone wakes
// no Environment, while an object two environments claim (created, relabelled in or out, deleted) wakes exactly
// those two, and their DeliveryOverlap follows it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deliveryObjectEventKeys } from "../../../src/controllers/environment/delivery-overlap.js";
import { deliveryScopesOf } from "../../../src/controllers/environment/delivery-scopes.js";
import { createEnvironmentController } from "../../../src/controllers/environment/controller.js";
import { deliveryResources, resources } from "../../../src/controllers/resources.js";
import type { InformerEvent } from "../../../src/runtime/informer/informer.js";
import { createEnvironment, useControllerWorld } from "../../support/controller-world.js";
import { createArgoApplication } from "../../support/delivery-objects.js";
import { waitFor } from "../../support/kube.js";

const APP = deliveryResources.argoCDApplication;
const UNSHARED = 20;

describe("Environment controller: which delivery object events wake an Environment", () => {
  const w = useControllerWorld({
    namespacePrefix: "env-wake",
    tag: "ew",
    controllers: (deps, informers) => [createEnvironmentController(deps, informers)],
  });

  /** Waits until `env` reports DeliveryOverlap with `status`, its message naming `objects` (when True). */
  async function overlapOf(env: string, status: "True" | "False", objects: string[]): Promise<void> {
    await waitFor(
      `Environment ${env} to report DeliveryOverlap ${status} ${objects.join(", ")}`,
      async () => {
        const obj = await w().admin.get(resources.environment, env);
        const conditions = (
          obj.status as { conditions?: { type: string; status: string; message: string }[] }
        )?.conditions;
        const overlap = conditions?.find((c) => c.type === "DeliveryOverlap");
        if (overlap?.status !== status) return undefined;
        const named = [...overlap.message.matchAll(/Application [^/\s]+\/(\S+) \(/g)].map((m) => m[1]);
        return status === "False" || jsonSorted(named) === jsonSorted(objects) ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
  }
  const jsonSorted = (xs: (string | undefined)[]): string => JSON.stringify([...xs].sort());

  it("wakes none for objects one environment owns, and both owners of a shared object", async () => {
    const { admin, namespace, running } = w();
    const everything = w().unique("everything");
    const shop = w().unique("shop");
    await createEnvironment(w(), everything, {
      delivery: { argoCDApplications: { namespaces: [namespace] } },
    });
    await createEnvironment(w(), shop, {
      delivery: { argoCDApplications: { namespaces: [namespace], matchLabels: { team: "shop" } } },
    });
    const environments = running.informers.environments.store;
    await waitFor("both Environments in the cache", () =>
      environments.get(everything) !== undefined && environments.get(shop) !== undefined ? true : undefined,
    );

    // The controller's own mapping, fed the real informer's events; only this test's environments are counted.
    const keys = deliveryObjectEventKeys("Application", deliveryScopesOf(environments));
    const ours = new Set([everything, shop]);
    const seen: { event: InformerEvent["type"]; name: string; wakes: string[] }[] = [];
    running.informers.argoCDApplications.subscribe((event) => {
      if (event.object.metadata.namespace !== namespace) return;
      const wakes = keys(event).filter((k) => ours.has(k));
      seen.push({ event: event.type, name: event.object.metadata.name, wakes: wakes.sort() });
    });
    const both = [everything, shop].sort();

    for (let i = 0; i < UNSHARED; i++) await createArgoApplication(w(), `alone-${i}`);
    const shared = await createArgoApplication(w(), "shared");
    await admin.patch(
      APP,
      shared.metadata.name,
      namespace,
      { metadata: { labels: { team: "shop" } } },
      {
        type: "merge",
      },
    );
    await overlapOf(everything, "True", ["shared"]);
    await overlapOf(shop, "True", ["shared"]);

    await admin.patch(
      APP,
      "alone-0",
      namespace,
      { metadata: { labels: { team: "shop" } } },
      { type: "merge" },
    );
    await overlapOf(everything, "True", ["alone-0", "shared"]);
    await overlapOf(shop, "True", ["alone-0", "shared"]);

    await admin.delete(APP, "shared", namespace);
    await admin.patch(APP, "alone-0", namespace, { metadata: { labels: { team: null } } }, { type: "merge" });
    await overlapOf(everything, "False", []);
    await overlapOf(shop, "False", []);

    await waitFor("every event of the run seen", () => (seen.length >= UNSHARED + 5 ? true : undefined));
    const creations = seen.filter((s) => s.event === "added" && s.name.startsWith("alone-"));
    assert.equal(creations.length, UNSHARED);
    assert.deepEqual(
      creations.filter((s) => s.wakes.length > 0),
      [],
      "creating an Application one environment owns alone wakes no Environment",
    );
    assert.deepEqual(
      seen.filter((s) => s.wakes.length > 0),
      [
        { event: "updated", name: "shared", wakes: both },
        { event: "updated", name: "alone-0", wakes: both },
        { event: "deleted", name: "shared", wakes: both },
        { event: "updated", name: "alone-0", wakes: both },
      ],
      "only the events that move an object into or out of both scopes wake, and they wake both owners",
    );
  });
});
