// The Release controller's lifecycle against the real API server with the real Argo CD and Flux CRDs: a deleted
// release frees the target lock it held (finalizer), a target that cannot be delivered as configured stalls the
// release naming the field until the delivery object is fixed, and a new revision asks for a new change.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LOCK_FINALIZER } from "../../../src/controllers/release/finalizer.js";
import { LOCK_ANNOTATION } from "../../../src/controllers/release/gather.js";
import { gateNames } from "../../support/gate-names.js";
import { deliveryResources, resources } from "../../../src/controllers/resources.js";
import { fluxGitRepository } from "../../../src/gitops/flux.js";
import { isNotFound } from "../../../src/runtime/kube/api-error.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import {
  condition,
  createEnvironment,
  read,
  useControllerWorld,
  waitForStatus,
} from "../../support/controller-world.js";
import {
  createArgoApplication,
  createFluxGitRepository,
  createFluxKustomization,
} from "../../support/delivery-objects.js";
import { argoSyncs } from "../../support/gitops-driver.js";
import { waitFor } from "../../support/kube.js";
import {
  createRelease as createShopRelease,
  releaseControllers,
  releaseSpec,
} from "../../support/release-world.js";
import { decideAs } from "./change-control-world.js";

const APP = deliveryResources.argoCDApplication;
const KUSTOMIZATION = deliveryResources.fluxKustomization;
const SHA = "7d3e2a1b0c9f8e7d6c5b4a3928171605f4e3d2c1";
const NEXT = "9a8b7c6d5e4f30211f2e3d4c5b6a79880a1b2c3d";

describe("Release lifecycle", () => {
  let dev = "";
  let prod = "";
  const w = useControllerWorld(
    { namespacePrefix: "rel-life", tag: "rl", controllers: releaseControllers(), webhooks: true },
    async (world) => {
      dev = world.unique("dev");
      prod = world.unique("prod");
      await createEnvironment(world, dev, {});
      await createEnvironment(world, prod, {
        gate: { requiredApprovals: 1, approvers: { groups: ["approvers"] } },
      });
    },
  );

  const createRelease = (name: string, targets: Record<string, unknown>[], pipeline: string[]) =>
    createShopRelease(w(), name, { version: "3.0.0", revision: SHA, pipeline, targets });

  function lockOf(app: KubeObject): string | undefined {
    return app.metadata.annotations?.[LOCK_ANNOTATION];
  }

  it("frees the target lock when a release holding it is deleted, then lets the release go", async () => {
    const { admin, namespace } = w();
    await createArgoApplication(w(), "held-dev");
    await createRelease(
      "held",
      [{ environment: dev, argoCD: { name: "held-dev", namespace, revision: SHA } }],
      [dev],
    );
    await waitFor("the release to lock its target, carry the finalizer and ask for the sync", async () => {
      const [app, release] = await Promise.all([
        admin.get(APP, "held-dev", namespace),
        admin.get(resources.release, "held", namespace),
      ]);
      // The status records the promotion before the sync is asked for; the lock goes on with the request (ADR 0037).
      const entry = (release.status as { environments?: { state: string }[] }).environments?.[0];
      const operation = (app as { operation?: unknown }).operation;
      return lockOf(app) === `${namespace}/held` &&
        release.metadata.finalizers?.includes(LOCK_FINALIZER) === true &&
        entry?.state === "Deploying" &&
        operation !== undefined
        ? true
        : undefined;
    });

    // Deleted mid-delivery, with nobody ever finishing the sync: the lock must not outlive the release.
    await admin.delete(resources.release, "held", namespace);
    await waitFor("the release to be gone", async () => {
      try {
        await admin.get(resources.release, "held", namespace);
        return undefined;
      } catch (err) {
        if (isNotFound(err)) return true;
        throw err;
      }
    });
    assert.equal(lockOf(await admin.get(APP, "held-dev", namespace)), undefined, "the lock was freed");
    const unlocked = w().audit.entries.filter(
      (e) => e.action === "TargetUnlocked" && e.object.name === "held",
    );
    assert.equal(unlocked.length, 1, JSON.stringify(unlocked));
    assert.match(String(unlocked[0]?.details.why), /deleted while it held the lock/);
    assert.deepEqual(
      w()
        .audit.entries.filter((e) => e.object.name === "held")
        .map((e) => e.action),
      ["TargetLocked", "ReleasePromoted", "TargetUnlocked"],
    );
  });

  it("stalls a release whose Flux target cannot be pinned, naming the field, until the target is fixed", async () => {
    const { admin, namespace } = w();
    await createFluxKustomization(w(), "oci-dev", { kind: "OCIRepository", name: "shop" });
    await createRelease(
      "pinned",
      [{ environment: dev, flux: { kind: "Kustomization", name: "oci-dev", namespace, revision: SHA } }],
      [dev],
    );
    const stalled = await waitForStatus(w(), resources.release, "pinned", "to stall on its target", (s) =>
      condition(s, "Stalled")?.status === "True" ? true : false,
    );
    const why = condition(stalled, "Stalled");
    assert.equal(why?.reason, "InvalidTarget");
    assert.match(why?.message ?? "", /OCIRepository/);
    assert.match(why?.message ?? "", /remove flux\.revision/);

    // Fixing the delivery object (not the Release) wakes the release through the watch on Kustomizations.
    await createFluxGitRepository(w(), "shop");
    await admin.patch(
      KUSTOMIZATION,
      "oci-dev",
      namespace,
      { spec: { sourceRef: { kind: "GitRepository", name: "shop" } } },
      {
        type: "merge",
      },
    );
    const moving = await waitForStatus(
      w(),
      resources.release,
      "pinned",
      "to deploy once the target is fixed",
      (s) => condition(s, "Stalled") === undefined && s.currentState === "Deploying",
    );
    assert.equal(moving.currentEnvironment, dev);
    const repo = await admin.get(fluxGitRepository, "shop", namespace);
    assert.equal((repo.spec as { ref?: { commit?: string } }).ref?.commit, SHA, "the source is pinned now");
  });

  it("lets a release deleted and re-created under its name ask anew, past its predecessor's kept change", async () => {
    const { admin, namespace } = w();
    await createArgoApplication(w(), "again-dev");
    await createArgoApplication(w(), "again-prod");
    const targets = [
      { environment: dev, argoCD: { name: "again-dev", namespace, revision: SHA } },
      { environment: prod, argoCD: { name: "again-prod", namespace, revision: SHA } },
    ];
    const first = await createRelease("again", targets, [dev, prod]);
    await waitFor("dev to get a sync request", async () =>
      (await admin.get(APP, "again-dev", namespace)).operation !== undefined ? true : undefined,
    );
    await argoSyncs(admin, { name: "again-dev", namespace }, { revision: SHA });
    const kept = (await gateNames(admin, namespace, "again")).change(prod);
    await waitFor("the first release's change", () =>
      admin.get(resources.changeRequest, kept, namespace).catch(() => undefined),
    );
    // The release goes (its lock finalizer freed by the operator); its change stays, as retention keeps records.
    await admin.delete(resources.release, "again", namespace);
    await waitFor("the first release to be gone", async () =>
      (await admin.get(resources.release, "again", namespace).catch(() => undefined)) === undefined
        ? true
        : undefined,
    );
    const second = await createRelease("again", targets, [dev, prod]);
    assert.notEqual(second.metadata.uid, first.metadata.uid);
    // Read from the trail, not the Application: dev already runs the revision, so the new release locks, finds the
    // sync done, is Verified and frees the lock again within a few passes, faster than a poll of the annotation.
    await waitFor("dev to be asked again", () =>
      w().audit.entries.some(
        (e) =>
          e.action === "TargetLocked" &&
          e.object.uid === second.metadata.uid &&
          e.details.environment === dev,
      )
        ? true
        : undefined,
    );
    await argoSyncs(admin, { name: "again-dev", namespace }, { revision: SHA });
    const next = (await gateNames(admin, namespace, "again")).change(prod, 2);
    const opened = await waitFor("the new release's own change, under the next ordinal", () =>
      admin.get(resources.changeRequest, next, namespace).catch(() => undefined),
    );
    assert.equal(
      (opened.metadata.ownerReferences ?? []).some((o) => o.uid === second.metadata.uid),
      true,
      "the new change is the new release's",
    );
    const kept2 = await admin.get(resources.changeRequest, kept, namespace);
    assert.equal(
      (kept2.spec as { binding?: { release: { uid: string } } }).binding?.release.uid,
      first.metadata.uid,
      "the predecessor's change is kept as it was",
    );
  });

  it("carries the release's dimensions to its change and approval, and records them with the promotion", async () => {
    const { admin, namespace } = w();
    await createArgoApplication(w(), "tagged-prod");
    const labels = {
      "stagegate.io/team": "payments",
      "stagegate.io/customer-impact": "high",
      "tags.stagegate.io/pci": "true",
    };
    await admin.create(
      resources.release,
      {
        apiVersion: "stagegate.io/v1alpha1",
        kind: "Release",
        metadata: {
          name: "tagged",
          namespace,
          labels: { ...labels, "example.com/other": "not-a-dimension" },
        },
        spec: releaseSpec({
          version: "3.0.0",
          revision: SHA,
          pipeline: [prod],
          targets: [{ environment: prod, argoCD: { name: "tagged-prod", namespace, revision: SHA } }],
        }),
      },
      namespace,
    );
    const change = (await gateNames(admin, namespace, "tagged")).change(prod);
    const opened = await waitForStatus(
      w(),
      resources.changeRequest,
      change,
      "to open an Approval",
      (s) => s.approvalRef !== undefined,
    );
    const approval = (opened.approvalRef as { name: string }).name;
    const dimensionLabelsOf = async (rt: typeof resources.changeRequest, name: string) =>
      Object.fromEntries(
        Object.entries((await admin.get(rt, name, namespace)).metadata.labels ?? {}).filter(
          ([key]) => key.startsWith("stagegate.io/team") || key.includes("impact") || key.startsWith("tags."),
        ),
      );
    assert.deepEqual(await dimensionLabelsOf(resources.changeRequest, change), labels);
    assert.deepEqual(await dimensionLabelsOf(resources.approval, approval), labels);
    assert.equal(
      (await admin.get(resources.changeRequest, change, namespace)).metadata.labels?.["example.com/other"],
      undefined,
      "only dimensions are inherited",
    );
    await waitForStatus(w(), resources.approval, approval, "to be counted", (s) => s.outcome !== undefined);
    await decideAs(w(), approval, "carol", ["approvers"], "Approve");
    const promoted = await waitFor("the promotion to be recorded", () =>
      Promise.resolve(
        w().audit.entries.find(
          (e) =>
            e.action === "ReleasePromoted" && e.object.name === "tagged" && e.object.namespace === namespace,
        ),
      ),
    );
    assert.deepEqual(promoted.details.dimensions, {
      team: "payments",
      customerImpact: "high",
      tags: ["pci"],
    });
  });

  it("asks for a new change when the release moves to a new revision, keeping the used one", async () => {
    const { admin, namespace } = w();
    await createArgoApplication(w(), "next-dev");
    await createArgoApplication(w(), "next-prod");
    const targets = (revision: string) => [
      { environment: dev, argoCD: { name: "next-dev", namespace, revision } },
      { environment: prod, argoCD: { name: "next-prod", namespace, revision } },
    ];
    await createRelease("next", targets(SHA), [dev, prod]);
    await waitFor("dev to get a sync request", async () =>
      (await admin.get(APP, "next-dev", namespace)).operation !== undefined ? true : undefined,
    );
    await argoSyncs(admin, { name: "next-dev", namespace }, { revision: SHA });
    const first = (await gateNames(admin, namespace, "next")).change(prod);
    const opened = await waitForStatus(
      w(),
      resources.changeRequest,
      first,
      "to open an Approval",
      (s) => s.approvalRef !== undefined,
    );
    const approval = (opened.approvalRef as { name: string }).name;
    await waitForStatus(w(), resources.approval, approval, "to be counted", (s) => s.outcome !== undefined);
    await decideAs(w(), approval, "carol", ["approvers"], "Approve");
    await waitFor("prod to get a sync request", async () =>
      (await admin.get(APP, "next-prod", namespace)).operation !== undefined ? true : undefined,
    );
    await argoSyncs(admin, { name: "next-prod", namespace }, { revision: SHA });
    await waitForStatus(
      w(),
      resources.release,
      "next",
      "to be Verified everywhere",
      (s) => condition(s, "Ready")?.status === "True",
    );

    await admin.patch(
      resources.release,
      "next",
      namespace,
      { spec: { targets: targets(NEXT) } },
      { type: "merge" },
    );
    await waitFor("dev to get a sync request for the new revision", async () => {
      const op = (await admin.get(APP, "next-dev", namespace)).operation as
        { sync?: { revision?: string } } | undefined;
      return op?.sync?.revision === NEXT ? true : undefined;
    });
    await argoSyncs(admin, { name: "next-dev", namespace }, { revision: NEXT });
    const second = (await gateNames(admin, namespace, "next")).change(prod, 2);
    assert.notEqual(second, first);
    const gated = await waitForStatus(
      w(),
      resources.release,
      "next",
      "to wait at prod for the new change",
      (s) => {
        const entry = (
          s.environments as { name: string; state: string; reasons?: string[] }[] | undefined
        )?.find((e) => e.name === prod);
        return entry?.state === "Gated" && (entry.reasons ?? []).some((r) => r.includes(second));
      },
    );
    assert.equal(gated.currentEnvironment, prod);
    const old = await read(w(), resources.changeRequest, first);
    assert.ok(old !== undefined, "the change of the first revision is kept as the record");
    assert.ok((old.status as { usedAt?: string } | undefined)?.usedAt !== undefined, "and it was used");
    const fresh = await read(w(), resources.changeRequest, second);
    assert.deepEqual((fresh?.spec as { artifacts?: unknown } | undefined)?.artifacts, [
      { name: "next-prod", revision: NEXT },
    ]);
    const prodApp = await admin.get(APP, "next-prod", namespace);
    assert.equal(
      (prodApp.operation as { sync?: { revision?: string } } | undefined)?.sync?.revision,
      undefined,
      "prod was not synced to the new revision without its change",
    );
  });
});
