// An optional informer (for Argo CD and Flux objects, whose CRDs a cluster may not have) against the real API
// server: a resource that is not served counts as synced and empty, and once its CRD is installed the informer
// lists and watches it like any other.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { Informer, type InformerEvent } from "../../../src/runtime/informer/informer.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import type { ResourceType } from "../../../src/runtime/kube/resource.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";

const CRDS: ResourceType = {
  group: "apiextensions.k8s.io",
  version: "v1",
  plural: "customresourcedefinitions",
  kind: "CustomResourceDefinition",
  namespaced: false,
};

describe("an optional informer", () => {
  const id = randomBytes(3).toString("hex");
  const group = `optional-${id}.test.stagegate.io`;
  const gadgets: ResourceType = { group, version: "v1", plural: "gadgets", kind: "Gadget", namespaced: true };
  let admin: KubeClient;
  let namespace: string;

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "optional-informer");
  });
  after(async () => {
    await admin.delete(CRDS, `gadgets.${group}`).catch(() => undefined);
    admin.close();
  });

  it("is synced and empty while the CRD is missing, then lists and watches once it is installed", async () => {
    const informer = new Informer({
      client: admin,
      resource: gadgets,
      log: silentLogger,
      optional: true,
      backoffMs: [100, 400],
      resyncMs: 0,
    });
    const events: InformerEvent[] = [];
    informer.subscribe((event) => events.push(event));
    const stop = new AbortController();
    const run = informer.run(stop.signal);
    try {
      await informer.waitForSync(stop.signal);
      assert.equal(informer.hasSynced(), true, "a resource that is not served counts as synced");
      assert.deepEqual(informer.store.keys(), []);

      await admin.create(CRDS, {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: `gadgets.${group}` },
        spec: {
          group,
          scope: "Namespaced",
          names: { plural: "gadgets", singular: "gadget", kind: "Gadget", listKind: "GadgetList" },
          versions: [
            {
              name: "v1",
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
            },
          ],
        },
      });
      const created = await waitFor("the Gadget CRD to be served", async () => {
        try {
          return await admin.create(
            gadgets,
            {
              apiVersion: `${group}/v1`,
              kind: "Gadget",
              metadata: { name: "first", namespace },
            },
            namespace,
          );
        } catch {
          return undefined;
        }
      });
      await waitFor("the informer to list the first Gadget", () =>
        informer.store.get(`${namespace}/first`) !== undefined ? true : undefined,
      );
      await admin.create(
        gadgets,
        { apiVersion: `${group}/v1`, kind: "Gadget", metadata: { name: "second", namespace } },
        namespace,
      );
      await waitFor("the informer to watch the second Gadget arrive", () =>
        events.some((e) => e.type === "added" && e.object.metadata.name === "second") ? true : undefined,
      );
      assert.equal(informer.store.get(`${namespace}/first`)?.metadata.uid, created.metadata.uid);
    } finally {
      stop.abort();
      await run;
    }
  });
});
