// End to end: a Prometheus alert rolls a release back. Everything is real except the Argo CD controller (played by
// the driver): the operator as its own process with its HTTPS event receivers, a real Prometheus scraping a test
// service whose error rate the test raises, a real Alertmanager posting to the operator. shop-1 (revision A) and
// then shop-2 (revision B, rollback Automatic) are Verified in prod on one Application; the raised error rate
// fires HighErrorRate, which opens one Rollback task for shop-2; the operator syncs the Application back to A under
// the rollback lock; the driver completes it; the validation task waits for the alert to resolve and then
// succeeds; the audit trail tells it in order. A second, Disabled release shows the alert held, nothing reverted.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { prometheusAlerts } from "../../hack/monitoring/index.js";
import { formatVerification } from "../../src/audit/verification.js";
import { verifyAuditFile } from "../../src/audit/verify.js";
import { LOCK_ANNOTATION } from "../../src/controllers/release/gather.js";
import {
  rollbackLockKey,
  rollbackTaskName,
  rollbackValidationTaskName,
} from "../../src/controllers/release/names.js";
import { deliveryResources } from "../../src/controllers/resources.js";
import { argoSyncs, pendingStagegateSync } from "../support/gitops-driver.js";
import { waitFor } from "../support/kube.js";
import { runStagegate } from "../support/run-stagegate.js";
import { readAuditEntries } from "./promotion-audit.js";
import { envOf, releaseStatus } from "./promotion-world.js";
import { rollbackStory, storyOf, warningEvents } from "./rollback-audit.js";
import {
  ALERTMANAGER_TOKEN_NAME,
  startRollbackStand,
  Teardown,
  type RollbackStand,
} from "./rollback-stand.js";
import {
  PIPELINE_WAIT_MS,
  alertmanagerAlerts,
  commitId,
  deployRelease,
  readTask,
  releaseCondition,
  tasksOf,
  waitForSyncRequest,
  waitForTask,
  type RollbackReleasePlan,
  type TaskView,
} from "./rollback-world.js";

const dave = { kind: "User" as const, name: "dave" };
const REV_A = commitId();
const REV_B = commitId();
const CART_1 = commitId();
const CART_2 = commitId();
const HELD_REASON = "Release 3.0 migrates the cart schema one way; the old schema cannot read the new rows.";

describe("Prometheus-driven rollback end to end: operator process, real Prometheus and Alertmanager", () => {
  const teardown = new Teardown();
  const keep = { failed: false };
  let stand: RollbackStand | undefined;
  let shop1: RollbackReleasePlan;
  let shop2: RollbackReleasePlan;
  /** What the main story found, for the audit test. */
  const found = { rollbackTask: "", validationTask: "" };

  const world = (): RollbackStand => {
    if (stand === undefined) throw new Error("the stand did not start");
    return stand;
  };

  before(
    async () => {
      stand = await startRollbackStand(teardown, keep);
      const alertLabels = { namespace: stand.namespace, app: "shop", env: "prod" };
      shop1 = {
        name: "shop-1",
        revision: REV_A,
        application: "shop-prod",
        alertLabels,
        rollbackOwner: dave,
        rollbackPolicy: { mode: "Automatic" },
      };
      shop2 = { ...shop1, name: "shop-2", revision: REV_B };
    },
    { timeout: 240_000 },
  );

  afterEach((t) => {
    if ("passed" in t && t.passed === false) keep.failed = true;
  });

  after(async () => {
    assert.deepEqual(await teardown.run(), [], "clean-up failed");
  });

  it("deploys shop-1 (revision A) and then shop-2 (revision B) to prod on the same Application", async (t) => {
    const { admin: client, namespace: ns, environment: prod, operator, prometheus, releases } = world();
    t.diagnostic(`operator log: ${operator.logFile}`);
    releases.push(shop1.name);
    await deployRelease(client, ns, prod, shop1);
    releases.push(shop2.name);
    await deployRelease(client, ns, prod, shop2);
    const app = await client.get(deliveryResources.argoCDApplication, "shop-prod", ns);
    const sync = (app.status as { sync: { status: string; revision: string } }).sync;
    assert.deepEqual([sync.status, sync.revision], ["Synced", REV_B]);
    const history = (app.status as { history: { revision: string; initiatedBy: { username: string } }[] })
      .history;
    assert.deepEqual(
      history.map((h) => [h.revision, h.initiatedBy.username]),
      [
        [REV_A, "stagegate"],
        [REV_B, "stagegate"],
      ],
      "shop-1 deployed first, then shop-2",
    );
    const firing = await prometheusAlerts(prometheus.url);
    assert.deepEqual(firing, [], "nothing fires while the services answer every request");
  });

  it("rolls shop-2 back to A when HighErrorRate fires, and validates the rollback once it resolves", async (t) => {
    const { admin: client, namespace: ns, environment: prod, operator, prometheus: prom } = world();
    const { alertmanager: am, services, alerts } = world();
    const shop1Before = envOf(await releaseStatus(client, ns, shop1.name), prod);
    assert.equal(shop1Before?.state, "Verified");

    const raisedAt = Date.now();
    services.shop.setErrorRate(0.5);
    const [opened] = await waitFor(
      "HighErrorRate to open a Rollback task for shop-2",
      async () => {
        const tasks = await tasksOf(client, ns, shop2.name, "Rollback");
        return tasks.length > 0 ? tasks : undefined;
      },
      { timeoutMs: PIPELINE_WAIT_MS },
    );
    assert.ok(opened !== undefined);
    t.diagnostic(`Rollback task ${opened.name} ${Date.now() - raisedAt} ms after raising the error rate`);
    found.rollbackTask = opened.name;

    // The evidence is the alert exactly as Alertmanager holds it.
    const evidence = opened.spec.alert;
    assert.ok(evidence !== undefined, "the task carries the alert");
    const [held] = await alertmanagerAlerts(am.url, "HighErrorRate");
    assert.ok(held !== undefined, "Alertmanager holds HighErrorRate");
    assert.equal(evidence.fingerprint, held.fingerprint);
    assert.equal(Date.parse(evidence.startsAt), Date.parse(held.startsAt));
    assert.ok(
      Date.parse(evidence.startsAt) >= raisedAt - 1_000,
      "the alert started after the error rate rose",
    );
    assert.deepEqual(evidence.labels, { alertname: "HighErrorRate", ...alerts.shop.labels });
    assert.deepEqual(evidence.labels, held.labels);
    assert.deepEqual(evidence.annotations, held.annotations);
    assert.equal(evidence.annotations.summary, alerts.shop.summary);
    assert.equal(evidence.generatorURL, held.generatorURL);
    assert.match(evidence.generatorURL ?? "", new RegExp(`^${prom.url}/graph\\?`));
    assert.equal(evidence.name, "HighErrorRate");
    assert.equal(evidence.resolvedAt, undefined);
    assert.equal(
      opened.name,
      rollbackTaskName(shop2.name, prod, evidence.fingerprint, new Date(evidence.startsAt)),
    );
    assert.equal(opened.spec.type, "Rollback");
    assert.deepEqual(opened.spec.releaseRef, { name: shop2.name });
    assert.equal(opened.spec.environment, prod);
    assert.deepEqual(opened.spec.owners, [dave]);
    assert.equal(opened.spec.title, `Roll back ${shop2.name} in ${prod}: ${alerts.shop.summary}`);
    assert.equal(opened.labels["stagegate.io/release"], shop2.name);
    assert.deepEqual(
      opened.ownerReferences?.map((o) => [o.kind, o.name, o.controller]),
      [["Release", shop2.name, true]],
    );

    // The operator syncs the Application back to A under the rollback lock; the driver holds the sync back.
    const lock = rollbackLockKey(ns, opened.name);
    const requested = await waitForSyncRequest(
      client,
      ns,
      "shop-prod",
      REV_A,
      "the rollback to request a sync of shop-prod to revision A",
    );
    assert.equal(requested.metadata.annotations?.[LOCK_ANNOTATION], lock);
    const started = await waitForTask(
      client,
      ns,
      opened.name,
      "to record RollbackStarted",
      (task) => task.annotations["stagegate.io/rollback"] === "RollbackStarted",
    );
    assert.ok(started.annotations["stagegate.io/rollback-started-at"] !== undefined);
    assert.match(
      started.spec.log?.map((l) => l.message).join("\n") ?? "",
      new RegExp(
        `back from revision ${REV_B} to revision ${REV_A} \\(last Verified there by release ${ns}/shop-1\\)`,
      ),
    );
    const heldHere = await waitFor(
      "shop-2 to be held Failed in prod by the rollback",
      async () => {
        const entry = envOf(await releaseStatus(client, ns, shop2.name), prod);
        return entry?.state === "Failed" ? entry : undefined;
      },
      { timeoutMs: PIPELINE_WAIT_MS },
    );
    assert.deepEqual(heldHere.reasons, [
      `Rollback task ${opened.name} was opened after alert HighErrorRate fired; the release is held here.`,
    ]);
    assert.equal(
      (await tasksOf(client, ns, shop2.name, "Rollback")).length,
      1,
      "the repeated deliveries of one alert opened one task",
    );

    await argoSyncs(client, { name: "shop-prod", namespace: ns }, { revision: REV_A });
    const succeeded = await waitForTask(
      client,
      ns,
      opened.name,
      "to succeed",
      (task) => task.status.phase === "Succeeded",
    );
    const item = succeeded.spec.checklist.find((i) => i.name === "rolled-back");
    assert.equal(item?.state, "Done");
    assert.equal(item?.completedBy, "stagegate-operator");
    assert.equal(item?.evidence?.result, "Passed");
    assert.match(
      item?.evidence?.notes ?? "",
      new RegExp(
        `runs revision ${REV_A}, in sync and healthy, at .*rolled it back from revision ${REV_B}\\.$`,
      ),
    );
    assert.equal(succeeded.annotations["stagegate.io/rollback"], "RollbackCompleted");
    await waitFor(
      "the rollback to free shop-prod's lock",
      async () => {
        const app = await client.get(deliveryResources.argoCDApplication, "shop-prod", ns);
        return app.metadata.annotations?.[LOCK_ANNOTATION] === undefined ? app : undefined;
      },
      { timeoutMs: PIPELINE_WAIT_MS },
    );
    await waitFor("RollbackCompleted in the audit trail", () =>
      readAuditEntries(operator.auditFile).some(
        (e) => e.action === "RollbackCompleted" && e.object.name === opened.name,
      )
        ? true
        : undefined,
    );

    // The validation task opens and waits for the alert, which still fires.
    const validationName = rollbackValidationTaskName(opened.name);
    found.validationTask = validationName;
    const waiting = await waitForTask(
      client,
      ns,
      validationName,
      "to wait for the alert",
      (task) => task.annotations["stagegate.io/rollback-validation"] === "AlertFiring",
    );
    assert.equal(waiting.spec.type, "RollbackValidation");
    assert.deepEqual(waiting.spec.owners, [dave]);
    assert.equal(waiting.annotations["stagegate.io/rollback-task"], opened.name);
    assert.equal(waiting.labels["stagegate.io/release"], shop2.name);
    assert.deepEqual(
      waiting.spec.checklist.map((i) => [i.name, i.state]),
      [["rollback-validated", "Pending"]],
    );
    assert.notEqual(waiting.status.phase, "Succeeded");
    const stillFiring = await prometheusAlerts(prom.url);
    assert.ok(
      stillFiring.some((a) => a.labels.alertname === "HighErrorRate" && a.state === "firing"),
      "the alert still fires while the validation waits",
    );
    assert.equal((await readTask(client, ns, opened.name)).spec.alert?.resolvedAt, undefined);

    const loweredAt = Date.now();
    services.shop.setErrorRate(0);
    const resolved = await waitForTask(
      client,
      ns,
      opened.name,
      "to record the resolution",
      (task) => task.spec.alert?.resolvedAt !== undefined,
    );
    t.diagnostic(`resolution recorded ${Date.now() - loweredAt} ms after lowering the error rate`);
    const resolvedAt = Date.parse(resolved.spec.alert?.resolvedAt ?? "");
    assert.ok(resolvedAt >= Date.parse(evidence.startsAt), "resolved after it started");
    const validated = await waitForTask(
      client,
      ns,
      validationName,
      "to succeed",
      (task) => task.status.phase === "Succeeded",
    );
    const check = validated.spec.checklist.find((i) => i.name === "rollback-validated");
    assert.equal(check?.state, "Done");
    assert.equal(check?.completedBy, "stagegate-operator");
    assert.equal(check?.evidence?.result, "Passed");
    assert.match(
      check?.evidence?.notes ?? "",
      new RegExp(
        `healthy on revision ${REV_A} at .*alert HighErrorRate \\(fingerprint ${evidence.fingerprint}\\) resolved at`,
      ),
    );
    assert.equal(validated.annotations["stagegate.io/rollback-validation"], "RollbackValidated");

    // The world afterwards: shop-2 held Failed, shop-1 untouched, the Application at A, nothing unapproved.
    const shop2Prod = envOf(await releaseStatus(client, ns, shop2.name), prod);
    assert.equal(shop2Prod?.state, "Failed");
    assert.deepEqual(shop2Prod?.reasons, heldHere.reasons);
    assert.deepEqual(envOf(await releaseStatus(client, ns, shop1.name), prod), shop1Before);
    assert.deepEqual(await tasksOf(client, ns, shop1.name, "Rollback"), [], "shop-1 got no Rollback task");
    const app = await client.get(deliveryResources.argoCDApplication, "shop-prod", ns);
    const status = app.status as { sync: { status: string; revision: string }; health: { status: string } };
    assert.deepEqual(
      [status.sync.status, status.sync.revision, status.health.status],
      ["Synced", REV_A, "Healthy"],
    );
    assert.equal(pendingStagegateSync(app), undefined, "no sync is pending");
    assert.equal(app.metadata.annotations?.[LOCK_ANNOTATION], undefined, "the lock is free");
    assert.equal(
      (await tasksOf(client, ns, shop2.name, "Rollback")).length,
      1,
      "one alert, from firing to resolution, opened one task",
    );
    for (const release of [shop1.name, shop2.name]) {
      const unapproved = await releaseCondition(client, ns, release, "UnapprovedDeployment");
      // A is authorised by shop-1: the rollback never looked like a deployment around the gate, not even briefly.
      assert.equal(unapproved, undefined, `${release}: ${JSON.stringify(unapproved)}`);
    }
  });

  it("tells the rollback in order in an intact audit trail, which `stagegate audit verify` accepts", async () => {
    assert.ok(found.rollbackTask !== "", "the story opened a Rollback task");
    const { namespace: ns, environment: prod, operator, alerts } = world();
    const file = operator.auditFile;
    const verification = await verifyAuditFile(file);
    assert.equal(verification.ok, true, formatVerification(verification, file));
    const cli = await runStagegate(["audit", "verify", file], { env: process.env });
    assert.equal(cli.code, 0, `${cli.stdout}\n${cli.stderr}`);
    assert.match(cli.stdout, /is intact: \d+ entries, chain verified/);

    const entries = readAuditEntries(file);
    assert.deepEqual(storyOf(entries, [found.rollbackTask, found.validationTask]), [
      `RollbackTaskOpened alertmanager:${ALERTMANAGER_TOKEN_NAME} ${found.rollbackTask}`,
      `RollbackStarted stagegate-operator ${found.rollbackTask}`,
      `RollbackCompleted stagegate-operator ${found.rollbackTask}`,
      `AlertResolved alertmanager:${ALERTMANAGER_TOKEN_NAME} ${found.rollbackTask}`,
      `RollbackValidated stagegate-operator ${found.validationTask}`,
    ]);
    const story = rollbackStory(entries, found.rollbackTask);
    assert.deepEqual(
      [story.started?.details.from, story.started?.details.to, story.started?.details.previousRelease],
      [REV_B, REV_A, `${ns}/shop-1`],
    );
    assert.equal(story.started?.details.release, shop2.name);
    assert.equal(story.completed?.details.result, "Passed");
    assert.equal(story.opened?.details.release, `${ns}/${shop2.name}`);
    assert.deepEqual(story.opened?.details.labels, { alertname: "HighErrorRate", ...alerts.shop.labels });
    assert.equal(story.resolved?.details.fingerprint, story.opened?.details.fingerprint);
    const validated = entries.find((e) => e.action === "RollbackValidated");
    assert.equal(validated?.details.rollbackTask, found.rollbackTask);
    assert.equal(validated?.details.revision, REV_A);
    assert.deepEqual(validated?.details.alert, {
      name: "HighErrorRate",
      fingerprint: story.opened?.details.fingerprint,
      resolvedAt: story.resolved?.details.resolvedAt,
    });

    // The releases' own entries: shop-2 failed in prod once, because of the task; shop-1 was left alone. Counted
    // from each release's verification in prod: the release controller sees the task once it is created and may
    // record the failure before the receiver records the task's opening (it records what the API server stored).
    const openedAt = story.opened?.seq ?? Infinity;
    const verifiedAt = (release: string) =>
      entries.find(
        (e) =>
          e.action === "EnvironmentVerified" &&
          e.object.name === release &&
          e.details.environment === prod &&
          e.seq < openedAt,
      )?.seq ?? openedAt;
    const releaseSteps = (release: string) =>
      entries.filter(
        (e) =>
          e.object.kind === "Release" &&
          e.object.name === release &&
          e.seq > verifiedAt(release) &&
          // What follows a verification by itself: the lock freed in the next pass ("the lock is free" is asserted
          // above) and the verified release archived.
          e.action !== "TargetUnlocked" &&
          e.action !== "RecordArchived",
      );
    assert.deepEqual(
      releaseSteps(shop2.name).map((e) => [e.action, e.details.environment, e.details.reasons]),
      [
        [
          "EnvironmentFailed",
          prod,
          [
            `Rollback task ${found.rollbackTask} was opened after alert HighErrorRate fired; the release is held here.`,
          ],
        ],
      ],
    );
    assert.deepEqual(
      releaseSteps(shop1.name).map((e) => e.action),
      [],
      "shop-1 was neither promoted, locked nor failed again",
    );
    assert.deepEqual(
      entries.filter((e) => e.action === "UnapprovedDeployment").map((e) => e.object.name),
      [],
      "the rollback to A is no unapproved deployment",
    );
    assert.equal(
      entries.filter((e) => e.action === "RollbackTaskOpened" && e.details.release === `${ns}/${shop1.name}`)
        .length,
      0,
      "nothing was opened for shop-1",
    );
  });

  it("holds a release whose rollback is Disabled: the task opens, nothing is reverted, RollbackHeld once", async () => {
    const { admin: client, namespace: ns, environment: prod, operator, services, releases } = world();
    const cartSelector = { namespace: ns, app: "cart", env: "prod" };
    const cart1: RollbackReleasePlan = {
      name: "cart-1",
      revision: CART_1,
      application: "cart-prod",
      alertLabels: cartSelector,
      rollbackOwner: dave,
      rollbackPolicy: { mode: "Automatic" },
    };
    const cart2: RollbackReleasePlan = {
      ...cart1,
      name: "cart-2",
      revision: CART_2,
      rollbackPolicy: { mode: "Disabled", reason: HELD_REASON },
    };
    releases.push(cart1.name);
    await deployRelease(client, ns, prod, cart1);
    releases.push(cart2.name);
    await deployRelease(client, ns, prod, cart2);
    const before = await client.get(deliveryResources.argoCDApplication, "cart-prod", ns);

    services.cart.setErrorRate(0.5);
    const [task] = await waitFor(
      "CartHighErrorRate to open a Rollback task for cart-2",
      async () => {
        const tasks = await tasksOf(client, ns, cart2.name, "Rollback");
        return tasks.length > 0 ? tasks : undefined;
      },
      { timeoutMs: PIPELINE_WAIT_MS },
    );
    assert.ok(task !== undefined);
    assert.equal(task.spec.alert?.name, "CartHighErrorRate");
    const recorded: TaskView = await waitForTask(
      client,
      ns,
      task.name,
      "to record RollbackHeld",
      (t) => t.annotations["stagegate.io/rollback"] === "RollbackHeld",
    );
    const log = recorded.spec.log?.map((l) => l.message) ?? [];
    assert.equal(log.length, 1, log.join("\n"));
    assert.match(
      log[0] ?? "",
      new RegExp(`^Rollback disabled: ${HELD_REASON.replace(/[.;]/g, "\\$&")} Nothing was reverted`),
    );
    await waitFor("RollbackHeld in the audit trail", () =>
      readAuditEntries(operator.auditFile).some(
        (e) => e.action === "RollbackHeld" && e.object.name === task.name,
      )
        ? true
        : undefined,
    );
    const warnings = await waitFor("the RollbackHeld Warning event", async () => {
      const found = await warningEvents(client, ns, task.name, "RollbackHeld");
      return found.length > 0 ? found : undefined;
    });
    assert.equal(warnings.length, 1);

    const cart2Prod = await waitFor(
      "cart-2 to be held Failed in prod",
      async () => {
        const entry = envOf(await releaseStatus(client, ns, cart2.name), prod);
        return entry?.state === "Failed" ? entry : undefined;
      },
      { timeoutMs: PIPELINE_WAIT_MS },
    );
    assert.match(cart2Prod.reasons?.join(" ") ?? "", new RegExp(`Rollback task ${task.name} was opened`));
    const app = await client.get(deliveryResources.argoCDApplication, "cart-prod", ns);
    assert.equal(pendingStagegateSync(app), undefined, "no sync was requested");
    assert.equal(app.metadata.annotations?.[LOCK_ANNOTATION], undefined, "nobody locked cart-prod");
    assert.deepEqual(app.status, before.status, "the Application still runs cart-2's revision");
    assert.equal(recorded.status.phase === "Succeeded", false, "the task stays with its owner");
    assert.equal(recorded.spec.checklist.find((i) => i.name === "rolled-back")?.state, "Pending");
    const entries = readAuditEntries(operator.auditFile);
    const heldEntries = entries.filter((e) => e.action === "RollbackHeld" && e.object.name === task.name);
    assert.equal(heldEntries.length, 1);
    assert.deepEqual(
      [heldEntries[0]?.details.policy, heldEntries[0]?.details.reason, heldEntries[0]?.details.revision],
      ["Disabled", HELD_REASON, CART_2],
    );
    assert.equal(
      entries.filter((e) => e.action === "RollbackStarted" && e.object.name === task.name).length,
      0,
      "nothing was rolled back",
    );
    const rechecked = await readTask(client, ns, task.name);
    assert.equal(rechecked.spec.log?.length, 1, "RollbackHeld was told once");
  });
});
