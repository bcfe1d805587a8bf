// What a new Rollback task costs the API server once the operator's controllers react to it (issue 12, ADR 0039):
// a Manual release deployed through an Argo CD Application (the driver playing Argo CD), a Rollback task opened as
// the Alertmanager receiver opens it, counted from kube-apiserver's own audit log of the operator's identity. A
// control plane of its own, so the log holds this file's requests only. Then an alert delivered to the receiver
// itself (in this process, as the operator's identity): the task is created with the notice on it (ADR 0067).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Registry } from "prom-client";
import { rollbackTaskName } from "../../../src/controllers/release/names.js";
import { createAlertMetrics } from "../../../src/receivers/alertmanager-metrics.js";
import { alertmanagerRoute } from "../../../src/receivers/alertmanager-route.js";
import { TokenFile } from "../../../src/receivers/bearer-tokens.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { scopedTokenFile } from "../../support/scoped-tokens.js";
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
const ALERT_TOKEN = `am-${randomBytes(12).toString("hex")}`;

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

/** Deploys `release` (Manual) to an environment named after its own Application; returns the environment. */
async function deployManual(release: string, application: string): Promise<string> {
  const { admin, namespace } = w();
  const environment = w().unique(application);
  w().environments.push(environment);
  await createEnvironment(w(), environment, {});
  await createArgoApplication(w(), application);
  await createRelease(w(), release, {
    version: "1.4.0",
    revision: SHA,
    pipeline: [environment],
    targets: [
      {
        environment,
        argoCD: { name: application, namespace, revision: SHA },
        alertSelector: { matchLabels: { app: application } },
      },
    ],
    owners: { releaseManager: { name: "rita" }, rollbackOwner: { name: "otto" } },
    rollbackPolicy: { mode: "Manual" },
  });
  await syncRequested(w(), application, SHA);
  await argoSyncs(admin, { name: application, namespace }, { revision: SHA });
  await waitForEnvState(w(), release, environment, "Verified");
  return environment;
}

/** The operator's Event writes about the task `name`, from audit log event `from` on. */
async function taskEventWrites(name: string, from: number): Promise<string[]> {
  const events = (await readAuditLog(auditLog())).slice(from);
  const about = events.filter((e) => e.objectRef?.name?.startsWith(`${name}.`) === true);
  return tallyRequests(about, OPERATOR_USER).eventWrites;
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

  it("an alert under a Manual release costs 3 writes: the task created with the notice, its Event, the first status", async () => {
    const { admin, namespace } = w();
    const environment = await deployManual("cart-1", "cart");
    const dir = await mkdtemp(path.join(tmpdir(), "rollback-writes-"));
    const file = path.join(dir, "tokens");
    await writeFile(file, scopedTokenFile([{ name: "am", token: ALERT_TOKEN, namespaces: [namespace] }]));
    const tokens = await TokenFile.open(file, { intervalMs: 60_000, log: silentLogger });
    try {
      const { deps, informers } = w().running;
      // The route as src/cmd/receivers.ts wires it, as the operator's identity.
      const route = alertmanagerRoute({
        client: deps.client,
        audit: w().audit,
        log: silentLogger,
        metrics: createAlertMetrics(new Registry()),
        tokens,
        releases: informers.releases,
        seal: deps.rollbackSeal,
        notice: { informers, clock: deps.clock, events: deps.events },
      });
      const fingerprint = randomBytes(8).toString("hex");
      const startsAt = new Date(Date.now() - 60_000);
      startsAt.setUTCMilliseconds(0);
      const alert = {
        status: "firing",
        labels: { alertname: "HighErrorRate", app: "cart", namespace },
        annotations: { summary: "5xx above 5%" },
        startsAt: startsAt.toISOString(),
        fingerprint,
      };
      const deliver = () =>
        route.handle({
          path: "/alertmanager",
          headers: { authorization: `Bearer ${ALERT_TOKEN}`, "content-type": "application/json" },
          body: Buffer.from(
            JSON.stringify({ version: "4", receiver: "oncall", status: "firing", alerts: [alert] }),
          ),
        });

      const start = (await operatorRequests()).end;
      const answer = await deliver();
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const name = rollbackTaskName("cart-1", environment, fingerprint, startsAt);
      // Right after the answer, before any controller could have written: the notice is on the task as created.
      const created = await admin.get(resources.deploymentTask, name, namespace);
      assert.equal(created.metadata.annotations?.[ROLLBACK_ANNOTATION], "ManualRollbackRequested");
      const log = (created.spec as { log?: { author: string; message: string }[] }).log ?? [];
      assert.equal(log.length, 1, JSON.stringify(log));
      assert.equal(log[0]?.author, OPERATOR_USER);
      assert.match(log[0]?.message ?? "", /^Rollback owner otto: roll /);
      assert.equal(created.metadata.generation, 1, "created with the notice: no later spec write");
      assert.deepEqual(
        await taskEventWrites(name, start),
        ["create events.k8s.io/events 201"],
        "the notice's Event, recorded by the receiver before it answered",
      );

      const told = await toldAndObserved(name);
      assert.equal(told.metadata.generation, 1, "nobody wrote the notice again");
      // The rollback controller's first look found the notice recorded and wrote nothing: the task's writes are
      // its create and its first status, and the notice's one Event; nothing else of the operator's.
      await waitFor("the rollback controller to go idle", async () =>
        (await idle("rollback")) ? true : undefined,
      );
      const writes = await taskWrites(name, start);
      console.log(`Operator writes of the alert's Rollback task: ${writes.join("; ")}`);
      assert.deepEqual(
        [...writes].sort(),
        ["create stagegate.io/deploymenttasks 201", "update stagegate.io/deploymenttasks/status 200"],
        "one create (with the notice) and one status write, no patch",
      );
      assert.equal(
        writes.length + (await taskEventWrites(name, start)).length,
        3,
        "3 API writes for the alert",
      );

      // A second delivery of the same alert creates nothing and announces nothing again.
      const again = await deliver();
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.match(JSON.stringify(again.body), /"outcome":"duplicate"/);
      assert.equal((await taskEventWrites(name, start)).length, 1, "no second Event");
      assert.deepEqual(
        [...(await taskWrites(name, start))].sort(),
        [...writes, "create stagegate.io/deploymenttasks 409"].sort(),
        "the duplicate's create was refused (AlreadyExists), and nothing else was written",
      );
    } finally {
      tokens.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
