// The Release controller against the real API server and the real Argo CD Application CRD: a release moves
// through an ungated dev and a gated prod (a SecurityScan and one approval), with Argo CD played by the driver.
// The controllers run as the operator identity, with exactly the RBAC config/rbac ships.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createApprovalController } from "../../../src/controllers/change-control/approval-controller.js";
import { createChangeRequestController } from "../../../src/controllers/change-control/change-request-controller.js";
import { createDeploymentTaskController } from "../../../src/controllers/deployment-task/controller.js";
import { createReleaseController } from "../../../src/controllers/release/controller.js";
import { LOCK_ANNOTATION } from "../../../src/controllers/release/gather.js";
import { changeRequestName } from "../../../src/controllers/release/names.js";
import { deliveryResources, resources } from "../../../src/controllers/resources.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import { argoSyncs } from "../../support/gitops-driver.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";
import { MemoryAudit } from "../../support/memory-audit.js";
import { runControllers } from "../../support/run-controllers.js";
import {
  createEnvironment,
  decideAs,
  ms,
  read,
  stopWorld,
  waitForStatus,
  type StatusView,
  type World,
} from "./change-control-world.js";

const API_VERSION = "stagegate.io/v1alpha1";
const APP = deliveryResources.argoCDApplication;
const SHA = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const RELEASE = "shop-1";

interface EnvironmentView {
  name: string;
  state: string;
  reasons?: string[];
  revision?: string;
  requestedAt?: string;
  gateClearedAt?: string;
  deployStartedAt?: string;
  deployedAt?: string;
  verifiedAt?: string;
}

function envOf(status: StatusView, name: string): EnvironmentView | undefined {
  return (status.environments as EnvironmentView[] | undefined)?.find((e) => e.name === name);
}

describe("Release promotion through a gated pipeline", () => {
  let world: World | undefined;
  let dev = "";
  let prod = "";
  const w = (): World => {
    if (world === undefined) throw new Error("the world was not set up");
    return world;
  };

  before(async () => {
    const admin = await clientFor("admin");
    const namespace = await createTestNamespace(admin, "rel-promo");
    const audit = new MemoryAudit();
    const running = await runControllers({
      identity: "operator",
      namespace,
      audit,
      controllers: (deps, informers) => [
        createReleaseController(deps, informers),
        createDeploymentTaskController(deps, informers),
        createChangeRequestController(deps, informers),
        createApprovalController(deps, informers),
      ],
    });
    const suffix = randomBytes(3).toString("hex");
    world = { admin, namespace, audit, running, environments: [], unique: (b) => `${b}-rp-${suffix}` };
    dev = world.unique("dev");
    prod = world.unique("prod");
    await createEnvironment(world, dev, {});
    await createEnvironment(world, prod, {
      gate: { requiredChecks: ["SecurityScan"], requiredApprovals: 1, approvers: { groups: ["approvers"] } },
    });
    for (const app of ["shop-dev", "shop-prod"]) await createApplication(world, app);
  });

  after(() => stopWorld(world));

  async function createApplication(world: World, name: string): Promise<void> {
    await world.admin.create(
      APP,
      {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Application",
        metadata: { name },
        spec: {
          project: "default",
          source: { repoURL: "https://git.example.com/shop.git", path: "deploy", targetRevision: "HEAD" },
          destination: { server: "https://kubernetes.default.svc", namespace: "shop" },
        },
      },
      world.namespace,
    );
  }

  /** Waits until the Application carries Stagegate's sync operation to the release's revision. */
  function syncRequested(name: string): Promise<KubeObject> {
    return waitFor(`Application ${name} to get Stagegate's sync operation`, async () => {
      const app = await w().admin.get(APP, name, w().namespace);
      const op = app.operation as
        { sync?: { revision?: string }; initiatedBy?: { username?: string } } | undefined;
      return op?.sync?.revision === SHA && op.initiatedBy?.username === "stagegate" ? app : undefined;
    });
  }

  function waitForEnv(name: string, state: string, timeoutMs = 30_000): Promise<StatusView> {
    return waitForStatus(
      w(),
      resources.release,
      RELEASE,
      `to be ${state} in ${name}`,
      (s) => envOf(s, name)?.state === state,
      timeoutMs,
    );
  }

  it("promotes dev, gates prod on its check and change, and promotes prod once both clear", async () => {
    const { admin, namespace } = w();
    await admin.create(
      resources.release,
      {
        apiVersion: API_VERSION,
        kind: "Release",
        metadata: { name: RELEASE, namespace },
        spec: {
          version: "1.4.0",
          source: { repoURL: "https://git.example.com/shop.git", revision: SHA, commits: [] },
          pipeline: [dev, prod],
          targets: [
            { environment: dev, argoCD: { name: "shop-dev", namespace, revision: SHA } },
            { environment: prod, argoCD: { name: "shop-prod", namespace, revision: SHA } },
          ],
          owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "dave" } },
        },
      },
      namespace,
    );

    const devApp = await syncRequested("shop-dev");
    assert.equal(devApp.metadata.annotations?.[LOCK_ANNOTATION], `${namespace}/${RELEASE}`);
    await argoSyncs(admin, { name: "shop-dev", namespace }, { revision: SHA });
    await waitForEnv(dev, "Verified");

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

    const taskName = `${RELEASE}-${prod}-security-scan`;
    assert.ok(
      prodGated?.reasons?.some((r) => r.includes(taskName)),
      JSON.stringify(prodGated),
    );
    const task = await read(w(), resources.deploymentTask, taskName);
    assert.ok(task !== undefined, "the SecurityScan task was opened");
    assert.equal(task.metadata.ownerReferences?.[0]?.kind, "Release");
    const change = await read(w(), resources.changeRequest, changeRequestName(RELEASE, prod, SHA));
    assert.ok(change !== undefined, "the ChangeRequest was opened");
    assert.equal(change.metadata.ownerReferences?.[0]?.name, RELEASE);

    const checklist = (task.spec as { checklist: Record<string, unknown>[] }).checklist.map((item) => ({
      ...item,
      state: "Done",
      completedBy: "erin",
      evidence: { uri: `https://reports.example.com/${String(item.name)}`, digest: "sha256:0f1e2d" },
    }));
    await admin.update(resources.deploymentTask, { ...task, spec: { ...(task.spec as object), checklist } });
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
      changeRequestName(RELEASE, prod, SHA),
      "to open an Approval",
      (s) => s.approvalRef !== undefined,
    );
    const approval = (counted.approvalRef as { name: string }).name;
    await waitForStatus(w(), resources.approval, approval, "to be counted", (s) => s.outcome !== undefined);
    await decideAs(w(), approval, "carol", ["approvers"], "Approve");

    await syncRequested("shop-prod");
    await argoSyncs(admin, { name: "shop-prod", namespace }, { revision: SHA });
    const done = await waitForEnv(prod, "Verified");
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
      changeRequestName(RELEASE, prod, SHA),
      "to be used",
      (s) => s.usedAt !== undefined,
    );
    assert.ok(ms(used.usedAt) >= ms(times?.requestedAt));
    await waitFor("the prod lock to be released", async () => {
      const app = await admin.get(APP, "shop-prod", namespace);
      return app.metadata.annotations?.[LOCK_ANNOTATION] === undefined ? app : undefined;
    });
  });
});
