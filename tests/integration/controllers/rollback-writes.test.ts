// What a new Rollback task costs the API server once the operator's controllers react to it (issue 12, ADR 0039):
// a Manual release deployed through an Argo CD Application (the driver playing Argo CD), a Rollback task opened as
// the Alertmanager receiver opens it, counted from kube-apiserver's own audit log of the operator's identity. A
// control plane of its own, so the log holds this file's requests only.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DeploymentTaskStatus } from "../../../src/api/v1alpha1/deployment-task.js";
import { resources } from "../../../src/controllers/resources.js";
import { createRollbackController } from "../../../src/controllers/rollback/controller.js";
import { ROLLBACK_ANNOTATION } from "../../../src/controllers/rollback/reasons.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import { readAuditLog } from "../../support/apiserver-audit.js";
import { startAuditedCluster, type AuditedCluster } from "../../support/audited-cluster.js";
import {
  createEnvironment,
  startControllerWorld,
  stopWorld,
  type World,
} from "../../support/controller-world.js";
import { createArgoApplication } from "../../support/delivery-objects.js";
import { argoSyncs } from "../../support/gitops-driver.js";
import { waitFor } from "../../support/kube.js";
import { tallyRequests, type RequestTally } from "../../support/operator-requests.js";
import { openRollbackTask } from "../../support/rollback-task.js";
import {
  createRelease,
  releaseControllers,
  syncRequested,
  waitForEnvState,
} from "../../support/release-world.js";

const OPERATOR_USER = "stagegate-operator";
const SHA = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const APPLICATIONS = "argoproj.io/applications";
const TASKS = "stagegate.io/deploymenttasks";

let audited: AuditedCluster | undefined;
let world: World | undefined;
const auditLog = (): string => {
  if (audited === undefined) throw new Error("the control plane is not started");
  return audited.auditLog;
};
const w = (): World => {
  if (world === undefined) throw new Error("the world is not started");
  return world;
};

before(async () => {
  // Every client of this file (the tests' and the controllers') talks to this control plane.
  audited = await startAuditedCluster("rollback-writes", [OPERATOR_USER]);
  world = await startControllerWorld({
    namespacePrefix: "rollback-writes",
    controllers: releaseControllers(createRollbackController),
  });
});

after(async () => {
  await stopWorld(world);
  await audited?.stop();
});

/** The operator's requests about one task and the delivery objects, from audit log event `from` on. */
async function operatorRequests(from = 0): Promise<{ tally: RequestTally; end: number }> {
  const events = await readAuditLog(auditLog());
  return { tally: tallyRequests(events, OPERATOR_USER, from), end: events.length };
}

/** The operator's writes of the task `name` (`verb group/resource[/subresource] code`), from event `from` on. */
async function taskWrites(name: string, from: number): Promise<string[]> {
  const events = (await readAuditLog(auditLog())).slice(from);
  const ofTask = events.filter(
    (e) => e.objectRef?.resource === "deploymenttasks" && e.objectRef.name === name,
  );
  return tallyRequests(ofTask, OPERATOR_USER).objectWrites;
}

/** The reconciles a controller has finished so far, from its metric. */
async function reconciles(controller: string): Promise<number> {
  const metric = await w().running.deps.metrics.reconcileTotal.get();
  return metric.values.filter((v) => v.labels.controller === controller).reduce((sum, v) => sum + v.value, 0);
}

/** Whether a controller has no key waiting and no pass running, from its metrics. */
async function idle(controller: string): Promise<boolean> {
  const { metrics } = w().running.deps;
  const depth = await metrics.registry.getSingleMetric("workqueue_depth")?.get();
  const active = await metrics.activeWorkers.get();
  const of = (values: { labels: Record<string, unknown>; value: number }[] | undefined): number =>
    (values ?? []).filter((v) => v.labels.controller === controller).reduce((sum, v) => sum + v.value, 0);
  return of(depth?.values) === 0 && of(active.values) === 0;
}

/** The task once the rollback owner has been told and its status observes the generation that says so. */
function toldAndObserved(name: string): Promise<KubeObject> {
  return waitFor(`Rollback task ${name} to be told and its status to observe that`, async () => {
    const task = await w().admin.get(resources.deploymentTask, name, w().namespace);
    const status = DeploymentTaskStatus.safeParse(task.status ?? {});
    const told = task.metadata.annotations?.[ROLLBACK_ANNOTATION] === "ManualRollbackRequested";
    const observed = status.success && status.data.observedGeneration === task.metadata.generation;
    return told && observed && status.data?.phase === "Ready" ? task : undefined;
  });
}

describe("Writes per new Rollback task", () => {
  it("records the rollback owner's notice and the first status in one write each, reading nothing live, and a pass with nothing to do writes and reads nothing", async () => {
    const { admin, namespace } = w();
    const environment = w().unique("prod");
    w().environments.push(environment);
    await createEnvironment(w(), environment, {});
    await createArgoApplication(w(), "shop");
    await createRelease(w(), "shop-1", {
      version: "1.4.0",
      revision: SHA,
      pipeline: [environment],
      targets: [{ environment, argoCD: { name: "shop", namespace, revision: SHA } }],
      owners: { releaseManager: { name: "rita" }, rollbackOwner: { name: "otto" } },
      rollbackPolicy: { mode: "Manual" },
    });
    await syncRequested(w(), "shop", SHA);
    await argoSyncs(admin, { name: "shop", namespace }, { revision: SHA });
    await waitForEnvState(w(), "shop-1", environment, "Verified");

    const start = (await operatorRequests()).end;
    const name = await openRollbackTask(w(), "shop-1", environment, "otto");
    const told = await toldAndObserved(name);
    assert.equal(told.metadata.generation, 2, "the notice is one new generation (its log entry)");
    const writes = await taskWrites(name, start);
    console.log(`Operator writes of the new Rollback task: ${writes.join("; ")}`);
    assert.deepEqual(
      [...writes].sort(),
      ["patch stagegate.io/deploymenttasks 200", "update stagegate.io/deploymenttasks/status 200"],
      "one patch (the notice) and one status write (for the generation the notice made), nothing refused",
    );
    // The notice rests on the caches and on its write's precondition (ADR 0054): no live read of the
    // Application or of the task.
    const noticed = (await operatorRequests(start)).tally;
    assert.equal(noticed.gets[APPLICATIONS] ?? 0, 0, "the notice reads the Application from the cache");
    assert.equal(
      noticed.gets[TASKS] ?? 0,
      0,
      "the notice is confirmed by its precondition, not a fresh read",
    );

    // A pass with nothing to do: both controllers look again, neither writes, and the rollback controller reads
    // the Application from its cache.
    const seen = { tasks: await reconciles("deploymenttask"), rollback: await reconciles("rollback") };
    const poked = (await operatorRequests()).end;
    await admin.patch(
      resources.deploymentTask,
      name,
      namespace,
      { metadata: { annotations: { "example.com/poked": "yes" } } },
      { type: "merge" },
    );
    await waitFor("the operator's cache to see the poke", () =>
      w().running.informers.deploymentTasks.store.get(`${namespace}/${name}`)?.metadata.annotations?.[
        "example.com/poked"
      ] === "yes"
        ? true
        : undefined,
    );
    // The cache told both controllers as it took the poke in: once each has looked and has nothing queued or
    // running, the passes the poke caused are over.
    await waitFor("both controllers to look at the poked task and go idle", async () =>
      (await reconciles("deploymenttask")) > seen.tasks &&
      (await reconciles("rollback")) > seen.rollback &&
      (await idle("deploymenttask")) &&
      (await idle("rollback"))
        ? true
        : undefined,
    );
    const { tally } = await operatorRequests(poked);
    assert.deepEqual(await taskWrites(name, poked), [], "nothing to write");
    assert.equal(tally.gets[APPLICATIONS] ?? 0, 0, "the Application is read from the cache");
  });
});
