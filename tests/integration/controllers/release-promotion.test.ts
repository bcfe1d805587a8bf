// The Release controller against the real API server and the real Argo CD Application CRD: a release moves
// through an ungated dev and a gated prod (a SecurityScan and one approval), with Argo CD played by the driver.
// The controllers run as the operator identity, with exactly the RBAC config/rbac ships.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LOCK_FINALIZER } from "../../../src/controllers/release/finalizer.js";
import { LOCK_ANNOTATION } from "../../../src/controllers/release/gather.js";
import { gateNames } from "../../support/gate-names.js";
import { deliveryResources, resources } from "../../../src/controllers/resources.js";
import {
  createEnvironment,
  ms,
  read,
  useControllerWorld,
  waitForStatus,
} from "../../support/controller-world.js";
import { createArgoApplication } from "../../support/delivery-objects.js";
import { argoSyncs } from "../../support/gitops-driver.js";
import { clientFor, waitFor } from "../../support/kube.js";
import {
  createRelease,
  envOf,
  releaseControllers,
  syncRequested,
  waitForEnvState,
} from "../../support/release-world.js";
import { decideAs } from "./change-control-world.js";

const APP = deliveryResources.argoCDApplication;
const SHA = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const RELEASE = "shop-1";

describe("Release promotion through a gated pipeline", () => {
  let dev = "";
  let prod = "";
  const w = useControllerWorld(
    { namespacePrefix: "rel-promo", tag: "rp", controllers: releaseControllers(), webhooks: true },
    async (world) => {
      dev = world.unique("dev");
      prod = world.unique("prod");
      await createEnvironment(world, dev, {});
      await createEnvironment(world, prod, {
        gate: {
          requiredChecks: ["SecurityScan"],
          requiredApprovals: 1,
          approvers: { groups: ["approvers"] },
        },
      });
      for (const app of ["shop-dev", "shop-prod"]) await createArgoApplication(world, app);
    },
  );

  it("promotes dev, gates prod on its check and change, and promotes prod once both clear", async () => {
    const { admin, namespace } = w();
    await createRelease(w(), RELEASE, {
      version: "1.4.0",
      revision: SHA,
      pipeline: [dev, prod],
      targets: [
        { environment: dev, argoCD: { name: "shop-dev", namespace, revision: SHA } },
        { environment: prod, argoCD: { name: "shop-prod", namespace, revision: SHA } },
      ],
    });

    const devApp = await syncRequested(w(), "shop-dev", SHA);
    assert.equal(devApp.metadata.annotations?.[LOCK_ANNOTATION], `${namespace}/${RELEASE}`);
    await argoSyncs(admin, { name: "shop-dev", namespace }, { revision: SHA });
    await waitForEnvState(w(), RELEASE, dev, "Verified");

    const gated = await waitForStatus(
      w(),
      resources.release,
      RELEASE,
      "to be Gated in prod with both reasons",
      (s) => {
        const reasons = envOf(s, prod)?.reasons ?? [];
        return (
          envOf(s, prod)?.state === "Gated" &&
          reasons.some((r) => /not done/.test(r)) &&
          reasons.some((r) => /not approved/.test(r))
        );
      },
    );
    const prodGated = envOf(gated, prod);
    assert.equal((await admin.get(APP, "shop-prod", namespace)).operation, undefined);
    assert.equal(
      (await admin.get(APP, "shop-dev", namespace)).metadata.annotations?.[LOCK_ANNOTATION],
      undefined,
    );

    const taskName = (await gateNames(admin, namespace, RELEASE)).check(prod, "SecurityScan");
    assert.ok(
      prodGated?.reasons?.some((r) => r.includes(taskName)),
      JSON.stringify(prodGated),
    );
    const task = await read(w(), resources.deploymentTask, taskName);
    assert.ok(task !== undefined, "the SecurityScan task was opened");
    assert.equal(task.metadata.ownerReferences?.[0]?.kind, "Release");
    const change = await read(
      w(),
      resources.changeRequest,
      (await gateNames(admin, namespace, RELEASE)).change(prod),
    );
    assert.ok(change !== undefined, "the ChangeRequest was opened");
    assert.equal(change.metadata.ownerReferences?.[0]?.name, RELEASE);

    // dave, the release manager, owns the check (the Environment names no application owners); the task webhook
    // lets only owners complete it, with evidence that is a report URL.
    const checklist = (task.spec as { checklist: Record<string, unknown>[] }).checklist.map((item) => ({
      ...item,
      state: "Done",
      evidence: { uri: `https://reports.example.com/${String(item.name)}` },
    }));
    const dave = await clientFor("dave");
    try {
      await dave.update(resources.deploymentTask, { ...task, spec: { ...(task.spec as object), checklist } });
    } finally {
      dave.close();
    }
    await waitForStatus(
      w(),
      resources.deploymentTask,
      taskName,
      "to succeed",
      (s) => s.phase === "Succeeded",
    );

    const counted = await waitForStatus(
      w(),
      resources.changeRequest,
      (await gateNames(admin, namespace, RELEASE)).change(prod),
      "to open an Approval",
      (s) => s.approvalRef !== undefined,
    );
    const approval = (counted.approvalRef as { name: string }).name;
    await waitForStatus(w(), resources.approval, approval, "to be counted", (s) => s.outcome !== undefined);
    await decideAs(w(), approval, "carol", ["approvers"], "Approve");

    await syncRequested(w(), "shop-prod", SHA);
    await argoSyncs(admin, { name: "shop-prod", namespace }, { revision: SHA });
    const done = await waitForEnvState(w(), RELEASE, prod, "Verified");
    const times = envOf(done, prod);
    const order = [
      times?.requestedAt,
      times?.gateClearedAt,
      times?.deployStartedAt,
      times?.deployedAt,
      times?.verifiedAt,
    ].map(ms);
    for (let i = 1; i < order.length; i++)
      assert.ok((order[i - 1] ?? 0) <= (order[i] ?? 0), JSON.stringify(times));
    assert.equal(done.currentState, "Verified");

    const used = await waitForStatus(
      w(),
      resources.changeRequest,
      (await gateNames(admin, namespace, RELEASE)).change(prod),
      "to be used",
      (s) => s.usedAt !== undefined,
    );
    assert.ok(ms(used.usedAt) >= ms(times?.requestedAt));
    await waitFor("the prod lock to be released", async () => {
      const app = await admin.get(APP, "shop-prod", namespace);
      return app.metadata.annotations?.[LOCK_ANNOTATION] === undefined ? app : undefined;
    });
  });

  it("writes a promotion's status from the release its lock finalizer patch returned, not the copy before it", async () => {
    const { admin, namespace } = w();
    // The controllers' client, watched: the resourceVersion each finalizer patch of this release replaced, and
    // whether the status write that follows it in the same pass (reconciles of one release never overlap) still
    // carries that replaced version, which the API server refuses with 409 every time.
    const client = w().running.deps.client;
    const [update, patch] = [client.update.bind(client), client.patch.bind(client)];
    const name = "conflict-free";
    const seen = { finalizerPatches: 0, staleWrites: 0, statusWrites: 0 };
    let replaced: string | undefined;
    client.patch = async (...args: Parameters<typeof client.patch>) => {
      const [rt, target, , body] = args;
      const written = await patch(...args);
      const metadata = (body as { metadata?: { finalizers?: unknown; resourceVersion?: string } }).metadata;
      if (rt === resources.release && target === name && metadata?.finalizers !== undefined) {
        seen.finalizerPatches += 1;
        replaced = metadata.resourceVersion;
      }
      return written;
    };
    client.update = async (...args: Parameters<typeof client.update>) => {
      const [rt, obj] = args;
      if (rt === resources.release && obj.metadata.name === name) {
        seen.statusWrites += 1;
        if (replaced !== undefined && obj.metadata.resourceVersion === replaced) seen.staleWrites += 1;
        replaced = undefined;
      }
      return update(...args);
    };
    try {
      // Created before its target exists (it waits at the gate), then stripped of the lock finalizer its creation
      // carried (ADR 0033), as a Release created without the webhook is: the operator adds it before the lock.
      await createRelease(w(), name, {
        version: "1.0.0",
        revision: SHA,
        pipeline: [dev],
        targets: [{ environment: dev, argoCD: { name: "cf-dev", namespace, revision: SHA } }],
      });
      await waitForEnvState(w(), name, dev, "Gated");
      const created = await admin.get(resources.release, name, namespace);
      assert.ok(
        created.metadata.finalizers?.includes(LOCK_FINALIZER),
        "the creation carries the lock finalizer",
      );
      await admin.patch(
        resources.release,
        name,
        namespace,
        { metadata: { resourceVersion: created.metadata.resourceVersion, finalizers: null } },
        { type: "merge" },
      );
      await createArgoApplication(w(), "cf-dev");
      await syncRequested(w(), "cf-dev", SHA);
      await argoSyncs(admin, { name: "cf-dev", namespace }, { revision: SHA });
      await waitForEnvState(w(), name, dev, "Verified");
    } finally {
      client.update = update;
      client.patch = patch;
    }
    assert.equal(seen.finalizerPatches, 1, JSON.stringify(seen));
    assert.ok(seen.statusWrites >= 2, JSON.stringify(seen));
    assert.equal(
      seen.staleWrites,
      0,
      `a status write carried the version its finalizer patch replaced: ${JSON.stringify(seen)}`,
    );
  });
});
