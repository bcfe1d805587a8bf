import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { deliveryResources } from "../../../src/controllers/resources.js";
import type { ReleaseTarget } from "../../../src/api/v1alpha1/release-target.js";
import { adapterFor } from "../../../src/gitops/adapters.js";
import { assessDelivery, DELIVERY_FIELD_MANAGER } from "../../../src/gitops/delivery.js";
import { isConflict, isNotFound } from "../../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { argoDegrades, argoFails, argoSyncs, handSync } from "../../support/gitops-driver.js";
import { createArgoApplication } from "../../support/delivery-objects.js";
import { clientFor, createTestNamespace } from "../../support/kube.js";
import { ownedFields, ownersOf } from "./managed-fields.js";

const rt = deliveryResources.argoCDApplication;
const SHA = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const OTHER = "9a8b7c6d5e4f30211203f4e5d6c7b8a9f0e1d2c3";
const REQUEST = { release: "team/rel-1" };

let admin: KubeClient;
let namespace: string;

const createApp = (name: string) =>
  createArgoApplication({ admin, namespace }, name, { syncOptions: ["CreateNamespace=true"] });

function target(name: string, mode: "Sync" | "PinTargetRevision" = "Sync", revision = SHA): ReleaseTarget {
  return { environment: "staging", argoCD: { name, namespace, revision, mode } };
}

async function assess(client: KubeClient, t: ReleaseTarget, promotedAt?: Date) {
  const adapter = adapterFor(t, { client });
  const observation = await adapter.observe(t);
  return {
    observation,
    ...assessDelivery(observation, { revision: adapter.expectedRevision(t), promotedAt }),
  };
}

before(async () => {
  admin = await clientFor("admin");
  namespace = await createTestNamespace(admin, "gitops-argo");
});
after(() => admin.close());

describe("Argo CD adapter against the real Application CRD", () => {
  it("writes a request against the Application the gate judged: a change since conflicts and nothing is written", async () => {
    await createApp("shop-judged");
    const judged = await admin.get(rt, "shop-judged", namespace);
    // Someone relabels it between the gate's read and the request (the labels decide the environment's ownership).
    await admin.patch(
      rt,
      "shop-judged",
      namespace,
      { metadata: { labels: { env: "dev" } } },
      { type: "merge" },
    );
    const t = target("shop-judged");
    await assert.rejects(
      adapterFor(t, { client: admin }).promote(t, { ...REQUEST, judged }),
      (err: unknown) => isConflict(err),
    );
    assert.equal(
      (await admin.get(rt, "shop-judged", namespace)).operation,
      undefined,
      "no request was written",
    );
    // Against the version read now, it is written.
    const now = await admin.get(rt, "shop-judged", namespace);
    assert.equal(
      (await adapterFor(t, { client: admin }).promote(t, { ...REQUEST, judged: now })).requested,
      true,
    );
  });

  it("requests a sync like the CLI, once, and reports Deployed after Argo CD syncs", async () => {
    await createApp("shop-sync");
    const t = target("shop-sync");
    const adapter = adapterFor(t, { client: admin });

    assert.equal((await adapter.promote(t, REQUEST)).requested, true);
    const requested = await admin.get(rt, "shop-sync", namespace);
    assert.deepEqual(requested.operation, {
      initiatedBy: { username: "stagegate" },
      info: [{ name: "Release", value: "team/rel-1" }],
      sync: {
        revision: SHA,
        source: { repoURL: "https://git.example.com/shop.git", path: "deploy", targetRevision: "HEAD" },
        syncOptions: ["CreateNamespace=true"],
      },
    });
    assert.ok(ownedFields(requested, DELIVERY_FIELD_MANAGER).every((f) => f.startsWith("operation.")));
    assert.ok(ownedFields(requested, DELIVERY_FIELD_MANAGER).includes("operation.sync.revision"));
    assert.ok(!ownersOf(requested, "spec.source.repoURL").includes(DELIVERY_FIELD_MANAGER));
    assert.equal(
      (requested.spec as { source: { repoURL: string } }).source.repoURL,
      "https://git.example.com/shop.git",
    );

    assert.equal((await adapter.promote(t, REQUEST)).requested, false, "no second request while pending");
    assert.equal(
      (await admin.get(rt, "shop-sync", namespace)).metadata.resourceVersion,
      requested.metadata.resourceVersion,
    );
    assert.deepEqual((await assess(admin, t)).state, "Deploying");

    await argoSyncs(admin, { name: "shop-sync", namespace }, { revision: SHA });
    const done = await assess(admin, t);
    assert.deepEqual([done.state, done.reason], ["Deployed", "Deployed"]);
    assert.equal(done.observation.initiatedBy, "stagegate");
    assert.equal((await admin.get(rt, "shop-sync", namespace)).operation, undefined);
    assert.equal((await adapter.promote(t, REQUEST)).requested, false, "no second sync once done");
  });

  it("reports Failed when the sync fails, and does not retry it", async () => {
    await createApp("shop-fail");
    const t = target("shop-fail");
    const adapter = adapterFor(t, { client: admin });
    await adapter.promote(t, REQUEST);
    await argoFails(
      admin,
      { name: "shop-fail", namespace },
      { revision: SHA, message: "Deployment.apps is invalid" },
    );
    const result = await assess(admin, t);
    assert.deepEqual([result.state, result.reason], ["Failed", "SyncFailed"]);
    assert.match(result.message, /Deployment\.apps is invalid/);
    assert.equal((await adapter.promote(t, REQUEST)).requested, false);
  });

  it("keeps a degraded target Deploying until the progress deadline, then Failed", async () => {
    await createApp("shop-degraded");
    const t = target("shop-degraded");
    await adapterFor(t, { client: admin }).promote(t, REQUEST);
    await argoDegrades(admin, { name: "shop-degraded", namespace }, { revision: SHA });
    const recent = await assess(admin, t, new Date(Date.now() - 60_000));
    assert.deepEqual([recent.state, recent.reason], ["Deploying", "Degraded"]);
    const late = await assess(admin, t, new Date(Date.now() - 11 * 60_000));
    assert.deepEqual([late.state, late.reason], ["Failed", "ProgressDeadlineExceeded"]);
  });

  it("pins spec.source.targetRevision, owning only that field", async () => {
    await createApp("shop-pin");
    const t = target("shop-pin", "PinTargetRevision");
    const adapter = adapterFor(t, { client: admin });
    assert.equal((await adapter.promote(t, REQUEST)).requested, true);
    const pinned = await admin.get(rt, "shop-pin", namespace);
    const source = (pinned.spec as { source: Record<string, string> }).source;
    assert.equal(source.targetRevision, SHA);
    assert.equal(source.repoURL, "https://git.example.com/shop.git");
    assert.equal(pinned.operation, undefined);
    assert.deepEqual(ownedFields(pinned, DELIVERY_FIELD_MANAGER), ["spec.source.targetRevision"]);
    assert.ok(ownersOf(pinned, "spec.source.repoURL").length > 0);
    assert.ok(!ownersOf(pinned, "spec.source.repoURL").includes(DELIVERY_FIELD_MANAGER));
    assert.equal((await adapter.promote(t, REQUEST)).requested, false);
    assert.equal(
      (await admin.get(rt, "shop-pin", namespace)).metadata.resourceVersion,
      pinned.metadata.resourceVersion,
    );
  });

  it("sees an out-of-band hand sync to another revision", async () => {
    await createApp("shop-hand");
    const t = target("shop-hand");
    await handSync(admin, { name: "shop-hand", namespace }, OTHER);
    const result = await assess(admin, t);
    assert.equal(result.observation.initiatedBy, "alice");
    assert.equal(result.observation.revision, OTHER);
    assert.deepEqual([result.state, result.reason], ["Deploying", "RevisionPending"]);
  });

  it("reports a missing Application as Missing and refuses to create one", async () => {
    const t = target("no-such-app");
    const adapter = adapterFor(t, { client: admin });
    assert.equal((await assess(admin, t)).state, "Missing");
    await assert.rejects(adapter.promote(t, REQUEST), (err: unknown) => isNotFound(err));
  });

  it("works as the operator identity, with exactly the RBAC config/rbac ships", async () => {
    await createApp("shop-operator");
    const operator = await clientFor("operator");
    try {
      const t = target("shop-operator");
      assert.equal((await adapterFor(t, { client: operator }).promote(t, REQUEST)).requested, true);
      const app = await admin.get(rt, "shop-operator", namespace);
      assert.ok(ownedFields(app, DELIVERY_FIELD_MANAGER).includes("operation.sync.revision"));
    } finally {
      operator.close();
    }
  });
});
