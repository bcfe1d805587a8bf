import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ReleaseTarget } from "../../../src/api/v1alpha1/release-target.js";
import { deliveryResources } from "../../../src/controllers/resources.js";
import { adapterFor } from "../../../src/gitops/adapters.js";
import { assessDelivery, DELIVERY_FIELD_MANAGER } from "../../../src/gitops/delivery.js";
import { fluxGitRepository, RECONCILE_REQUESTED_AT, REQUESTED_REVISION } from "../../../src/gitops/flux.js";
import { isConflict } from "../../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { fluxHelmReleases, fluxReconciles } from "../../support/gitops-driver.js";
import {
  createFluxGitRepository,
  createFluxHelmRelease,
  createFluxKustomization,
} from "../../support/delivery-objects.js";
import { clientFor, createTestNamespace } from "../../support/kube.js";
import { ownedFields, ownersOf } from "./managed-fields.js";

const SHA = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const REQUEST = { release: "team/rel-1" };
const NOW = new Date("2026-12-08T08:00:00Z");

let admin: KubeClient;
let namespace: string;

async function assess(t: ReleaseTarget) {
  const adapter = adapterFor(t, { client: admin, now: () => NOW });
  const observation = await adapter.observe(t);
  return { observation, ...assessDelivery(observation, { revision: adapter.expectedRevision(t) }) };
}

before(async () => {
  admin = await clientFor("admin");
  namespace = await createTestNamespace(admin, "gitops-flux");
});
after(() => admin.close());

describe("Flux adapter against the real Flux CRDs", () => {
  it("writes a request against the Kustomization the gate judged: a change since conflicts and nothing is written", async () => {
    await createFluxGitRepository({ admin, namespace }, "judged");
    await createFluxKustomization({ admin, namespace }, "judged");
    const kustomization = deliveryResources.fluxKustomization;
    const judged = await admin.get(kustomization, "judged", namespace);
    await admin.patch(
      kustomization,
      "judged",
      namespace,
      { metadata: { labels: { env: "dev" } } },
      { type: "merge" },
    );
    const t: ReleaseTarget = {
      environment: "staging",
      flux: { kind: "Kustomization", name: "judged", namespace },
    };
    const adapter = adapterFor(t, { client: admin, now: () => NOW });
    await assert.rejects(adapter.promote(t, { ...REQUEST, judged }), (err: unknown) => isConflict(err));
    const current = await admin.get(kustomization, "judged", namespace);
    assert.equal(current.metadata.annotations?.[RECONCILE_REQUESTED_AT], undefined, "no request was written");
    assert.equal((await adapter.promote(t, { ...REQUEST, judged: current })).requested, true);
  });

  it("pins the GitRepository commit, requests reconciliation, and reports Deployed at lastAppliedRevision", async () => {
    await createFluxGitRepository({ admin, namespace }, "shop");
    await createFluxKustomization({ admin, namespace }, "shop");
    const t: ReleaseTarget = {
      environment: "staging",
      flux: { kind: "Kustomization", name: "shop", namespace, revision: SHA },
    };
    const adapter = adapterFor(t, { client: admin, now: () => NOW });
    assert.equal((await adapter.promote(t, REQUEST)).requested, true);

    const repo = await admin.get(fluxGitRepository, "shop", namespace);
    assert.deepEqual((repo.spec as { ref: unknown }).ref, { branch: "main", commit: SHA });
    assert.deepEqual(ownedFields(repo, DELIVERY_FIELD_MANAGER), ["spec.ref.commit"]);
    assert.ok(
      ownersOf(repo, "spec.url").length > 0 && !ownersOf(repo, "spec.url").includes(DELIVERY_FIELD_MANAGER),
    );

    const ks = await admin.get(deliveryResources.fluxKustomization, "shop", namespace);
    assert.equal(ks.metadata.annotations?.[RECONCILE_REQUESTED_AT], NOW.toISOString());
    assert.deepEqual(ownedFields(ks, DELIVERY_FIELD_MANAGER), [
      `metadata.annotations.${RECONCILE_REQUESTED_AT}`,
      `metadata.annotations.${REQUESTED_REVISION}`,
    ]);
    assert.deepEqual([(await assess(t)).state, (await assess(t)).reason], ["Deploying", "Progressing"]);
    assert.equal(
      (await adapter.promote(t, REQUEST)).requested,
      false,
      "no second request for the same revision",
    );

    await fluxReconciles(admin, { name: "shop", namespace }, SHA);
    const done = await assess(t);
    assert.equal(done.observation.revision, `main@sha1:${SHA}`);
    assert.deepEqual([done.state, done.reason], ["Deployed", "Deployed"]);
  });

  it("pins no GitRepository but the one the gate cleared: a sourceRef moved since is left alone", async () => {
    await createFluxGitRepository({ admin, namespace }, "cleared");
    await createFluxGitRepository({ admin, namespace }, "elsewhere");
    await createFluxKustomization({ admin, namespace }, "moved", {
      kind: "GitRepository",
      name: "elsewhere",
    });
    const before = await admin.get(fluxGitRepository, "elsewhere", namespace);
    const t: ReleaseTarget = {
      environment: "staging",
      flux: { kind: "Kustomization", name: "moved", namespace, revision: SHA },
    };
    await assert.rejects(
      adapterFor(t, { client: admin, now: () => NOW }).promote(t, {
        ...REQUEST,
        source: `${namespace}/cleared`,
      }),
      new RegExp(`now builds from GitRepository ${namespace}/elsewhere, not ${namespace}/cleared`),
    );
    const after = await admin.get(fluxGitRepository, "elsewhere", namespace);
    assert.equal(after.metadata.resourceVersion, before.metadata.resourceVersion, "nothing was pinned");
    const ks = await admin.get(deliveryResources.fluxKustomization, "moved", namespace);
    assert.equal(ks.metadata.annotations?.[REQUESTED_REVISION], undefined, "no reconciliation was requested");
  });

  it("pins the HelmRelease chart version and reports Deployed from status.history[0]", async () => {
    await createFluxHelmRelease({ admin, namespace }, "podinfo", { chart: "podinfo", version: "6.0.0" });
    const ref = { name: "podinfo", namespace };
    await fluxHelmReleases(admin, ref, "6.0.0");
    const t: ReleaseTarget = {
      environment: "staging",
      flux: { kind: "HelmRelease", name: "podinfo", namespace, chartVersion: "6.1.0" },
    };
    assert.deepEqual([(await assess(t)).state, (await assess(t)).reason], ["Deploying", "RevisionPending"]);

    const adapter = adapterFor(t, { client: admin, now: () => NOW });
    assert.equal((await adapter.promote(t, REQUEST)).requested, true);
    const hr = await admin.get(deliveryResources.fluxHelmRelease, "podinfo", namespace);
    const chart = (hr.spec as { chart: { spec: Record<string, unknown> } }).chart.spec;
    assert.equal(chart.version, "6.1.0");
    assert.equal(chart.chart, "podinfo");
    assert.deepEqual(ownedFields(hr, DELIVERY_FIELD_MANAGER), [
      `metadata.annotations.${RECONCILE_REQUESTED_AT}`,
      `metadata.annotations.${REQUESTED_REVISION}`,
      "spec.chart.spec.version",
    ]);
    assert.ok(!ownersOf(hr, "spec.chart.spec.chart").includes(DELIVERY_FIELD_MANAGER));

    await fluxHelmReleases(admin, ref, "6.1.0");
    const done = await assess(t);
    assert.equal(done.observation.revision, "6.1.0");
    assert.deepEqual([done.state, done.reason], ["Deployed", "Deployed"]);
    assert.equal((await adapter.promote(t, REQUEST)).requested, false);
  });
});
