// Issue 9, class 7: rollbacks and out-of-band detection act on evidence, not on whoever can write a task or an
// annotation. Against the real API server and RBAC, with the operator as its own process (every controller, its
// Alertmanager receiver on HTTPS) and the driver playing Argo CD. Each attempt is made by the least-privileged
// identity that could try it: bob (a developer: edit on DeploymentTasks) making Rollback tasks by hand, forging
// the seal, the creating field manager and managedFields, and replaying a real seal; dave (release manager)
// switching the policy to Automatic after an alert; mallory (edit on Argo CD Applications only) forging the
// `stagegate.io/locked-by` lock and syncing by hand. Each asserts the refusal and its reason, that the delivery
// object was not written (resourceVersion), and the audit entry.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import type { WebhookTls } from "../../hack/local-cluster/webhook-tls.js";
import { checklistFor } from "../../src/controllers/release/checklists.js";
import { LOCK_ANNOTATION } from "../../src/controllers/release/gather.js";
import { breakGlassChangeName, rollbackTaskName } from "../../src/controllers/release/names.js";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import { ROLLBACK_ANNOTATION } from "../../src/controllers/rollback/reasons.js";
import { ROLLBACK_SEAL_ANNOTATION } from "../../src/controllers/rollback/seal.js";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { kubectl } from "../support/cluster.js";
import { createEnvironment, deleteIgnoringMissing } from "../support/controller-world.js";
import { createArgoApplication } from "../support/delivery-objects.js";
import { argoSyncs, handSync } from "../support/gitops-driver.js";
import { clientFor, createTestNamespace, waitFor } from "../support/kube.js";
import type { OperatorProcess } from "../support/operator-process.js";
import { fireAlert as fireAlertAt, type ReceiverEndpoint } from "../support/receiver-client.js";
import { startReceiverOperator } from "../support/receiver-operator.js";
import { createRelease, envOf, syncRequested, waitForEnvState } from "../support/release-world.js";
import { grantApplicationEditor, grantRole } from "./rollback-evidence-support.js";

const TOKEN = `am-${randomBytes(12).toString("hex")}`;
const SHA1 = "1a1a1a1d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const SHA2 = "2b2b2b2d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const SHA3 = "3c3c3c3d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const APP = deliveryResources.argoCDApplication;
const hex = (bytes: number): string => randomBytes(bytes).toString("hex");

type Mode = "Automatic" | "Manual" | "Disabled";

describe("Class 7: rollbacks and out-of-band detection come from evidence", () => {
  let admin: KubeClient;
  let bob: KubeClient;
  let dave: KubeClient;
  let mallory: KubeClient;
  let namespace: string;
  let tls: WebhookTls | undefined;
  let operator: OperatorProcess | undefined;
  let receivers: ReceiverEndpoint;
  const prod = `prod-rbev-${hex(3)}`;
  const environments: string[] = [];
  /** app-a: shop-a1 (SHA1) then shop-a2 (SHA2, Automatic) Verified; a freeze in force on prod afterwards. */
  const appA = "shop-a";
  /** app-m: shop-m1 (SHA1) then shop-m2 (SHA2, Manual, declares an alertSelector) Verified. */
  const appM = "shop-m";
  /** app-s: shop-s1 (SHA1, Manual) Verified, declaring {@link squatSelector}: the alert whose task name bob squats. */
  const appS = "shop-s";
  const squatSelector = `shop-s-${hex(2)}`;
  const scope = () => ({ admin, namespace });
  /** The annotations of the real, sealed task the alert opens, for the replay attempt. */
  const sealed: { annotations: Record<string, string> } = { annotations: {} };
  const ref = (name: string) => ({ name, namespace });

  async function verified(app: string, release: string, sha: string, mode: Mode, selector?: string) {
    await createRelease(scope(), release, {
      version: release,
      revision: sha,
      pipeline: [prod],
      targets: [
        {
          environment: prod,
          argoCD: { name: app, namespace, revision: sha },
          ...(selector === undefined ? {} : { alertSelector: { matchLabels: { namespace, app: selector } } }),
        },
      ],
      owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "dave" } },
      rollbackPolicy: { mode },
    });
    await syncRequested(scope(), app, sha);
    await argoSyncs(admin, ref(app), { revision: sha });
    await waitForEnvState(scope(), release, prod, "Verified", 60_000);
  }

  /** The operator's reconciles of one controller so far, from its /metrics. */
  async function reconciles(controller: string): Promise<number> {
    if (operator === undefined) throw new Error("the operator was not started");
    const text = await operator.metrics();
    let total = 0;
    for (const line of text.split("\n")) {
      if (
        line.startsWith("controller_runtime_reconcile_total{") &&
        line.includes(`controller="${controller}"`)
      ) {
        total += Number(line.split(" ").at(-1));
      }
    }
    return total;
  }

  /**
   * Waits until `controller` has reconciled since `before`. For the release that is the pass the task's creation
   * woke: the refusal's notice and the task's status change nothing the release reads of a Rollback task, so they
   * wake no release (ADR 0059), and that one pass saw the task as it is now.
   */
  async function lookedAgain(controller: string, before: number): Promise<void> {
    await waitFor(`the ${controller} controller to look again`, async () =>
      (await reconciles(controller)) >= before + 1 ? true : undefined,
    );
  }

  async function auditOf(action: string, name: string): Promise<Record<string, unknown>[]> {
    if (operator === undefined) return [];
    const text = await readFile(operator.auditFile, "utf8");
    return text
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as { action: string; object: { name: string } })
      .filter((e) => e.action === action && e.object.name === name);
  }

  /** Waits for the operator's audit entry `action` about `name` (it follows the write it describes). */
  function audited(action: string, name: string): Promise<Record<string, unknown>[]> {
    return waitFor(`the audit entry ${action} about ${name}`, async () => {
      const entries = await auditOf(action, name);
      return entries.length > 0 ? entries : undefined;
    });
  }

  const resourceVersion = async (app: string) =>
    (await admin.get(APP, app, namespace)).metadata.resourceVersion;

  /** A Rollback task exactly as the receiver would open it, made by hand (optionally with annotations). */
  function handMadeTask(name: string, release: string, annotations: Record<string, string> = {}) {
    return {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "DeploymentTask",
      metadata: { name, namespace, labels: { "stagegate.io/release": release }, annotations },
      spec: {
        type: "Rollback",
        title: `Roll back ${release} in ${prod}: alert HighErrorRate is firing`,
        releaseRef: { name: release },
        environment: prod,
        owners: [{ name: "dave" }],
        checklist: checklistFor("Rollback"),
        alert: {
          name: "HighErrorRate",
          fingerprint: hex(8),
          startsAt: new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, "Z"),
          labels: { alertname: "HighErrorRate" },
          annotations: {},
          receivedAt: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        },
      },
    };
  }

  /** Posts one firing alert to the operator's receiver with the valid token, as Alertmanager does. */
  function fireAlert(labels: Record<string, string>, fingerprint: string, startsAt: Date) {
    return fireAlertAt(receivers, TOKEN, { labels, fingerprint, startsAt });
  }

  /** What a refused attempt must leave as it was: the Application's resourceVersion; the release reconciles so far. */
  async function beforeAttempt(app: string): Promise<{ rv: string | undefined; reconciles: number }> {
    return { rv: await resourceVersion(app), reconciles: await reconciles("release") };
  }

  /** Waits for the rollback controller's refusal of a task and returns the task. */
  function refusedTask(name: string): Promise<KubeObject> {
    return waitFor(`Rollback task ${name} to be refused`, async () => {
      const task = await admin.get(resources.deploymentTask, name, namespace);
      return task.metadata.annotations?.[ROLLBACK_ANNOTATION] === "RollbackTaskRefused" ? task : undefined;
    });
  }

  /** The common assertions of a refused hand-made task: reason, nothing written, not held, audited. */
  async function assertRefused(
    name: string,
    release: string,
    app: string,
    seen: { rv: string | undefined; reconciles: number },
  ) {
    const task = await refusedTask(name);
    const log = (task.spec as { log?: { message: string }[] }).log ?? [];
    assert.match(log.at(-1)?.message ?? "", /Refused Rollback task .*seal of the operator|does not prove/);
    await lookedAgain("release", seen.reconciles);
    assert.equal(await resourceVersion(app), seen.rv, "the Application was not written (no lock, no sync)");
    const status = (await admin.get(resources.release, release, namespace)).status as Record<string, unknown>;
    assert.equal(envOf(status, prod)?.state, "Verified", "the environment is not held");
    const [entry] = await audited("RollbackTaskRefused", name);
    assert.match(String((entry?.details as { reason?: unknown } | undefined)?.reason), /operator/);
    assert.deepEqual(await auditOf("RollbackStarted", name), []);
  }

  before(
    async () => {
      admin = await clientFor("admin");
      namespace = await createTestNamespace(admin, "sec-rollback");
      await grantRole(admin, namespace, "stagegate-release-manager", ["bob", "dave"]);
      await grantApplicationEditor(admin, namespace);
      [bob, dave, mallory] = await Promise.all([clientFor("bob"), clientFor("dave"), clientFor("mallory")]);
      environments.push(prod);
      await createEnvironment({ admin, namespace }, prod, {});
      const started = await startReceiverOperator({
        namespace,
        tokens: { alertmanager: [TOKEN] },
        readyController: "rollback",
      });
      operator = started.process;
      tls = started.tls;
      receivers = started.endpoint;
      await createArgoApplication(scope(), appA);
      await createArgoApplication(scope(), appM);
      await verified(appA, "shop-a1", SHA1, "Automatic");
      await verified(appA, "shop-a2", SHA2, "Automatic");
      await verified(appM, "shop-m1", SHA1, "Manual");
      await verified(appM, "shop-m2", SHA2, "Manual", `shop-m-${hex(2)}`);
      await createArgoApplication(scope(), appS);
      await verified(appS, "shop-s1", SHA1, "Manual", squatSelector);
      // A freeze in force from now on: a rollback would have to pass it as break-glass.
      const now = Date.now();
      await admin.patch(
        resources.environment,
        prod,
        undefined,
        {
          spec: {
            gate: {
              freezes: [
                {
                  name: "year-end",
                  start: new Date(now - 3_600_000).toISOString().replace(/\.\d+Z$/, "Z"),
                  end: new Date(now + 86_400_000).toISOString().replace(/\.\d+Z$/, "Z"),
                },
              ],
            },
          },
        },
        { type: "merge" },
      );
    },
    { timeout: 300_000 },
  );

  after(async () => {
    await operator?.stop();
    await tls?.remove();
    for (const name of environments) await deleteIgnoringMissing(admin, resources.environment, name);
    await deleteIgnoringMissing(admin, builtin.namespace, namespace);
    for (const c of [bob, dave, mallory, admin]) c?.close();
  });

  it("bob's hand-made Rollback task under Automatic, during a freeze: refused, no rollback, no break-glass", async () => {
    const seen = await beforeAttempt(appA);
    const name = `shop-a2-${prod}-rollback-${hex(4)}`;
    await bob.create(resources.deploymentTask, handMadeTask(name, "shop-a2"), namespace);
    await assertRefused(name, "shop-a2", appA, seen);
    const app = await admin.get(APP, appA, namespace);
    assert.equal(app.metadata.annotations?.[LOCK_ANNOTATION], undefined, "no rollback lock was taken");
    try {
      await admin.get(resources.changeRequest, breakGlassChangeName(name), namespace);
      assert.fail("no break-glass emergency change may be opened for a refused task");
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  });

  it("bob's hand-made Rollback task under Manual does not mark production Failed", async () => {
    const seen = await beforeAttempt(appM);
    const name = `shop-m2-${prod}-rollback-${hex(4)}`;
    await bob.create(resources.deploymentTask, handMadeTask(name, "shop-m2"), namespace);
    await assertRefused(name, "shop-m2", appM, seen);
  });

  it("bob forges the seal, the creating field manager and managedFields: the API server keeps them, the seal fails", async () => {
    const seen = await beforeAttempt(appA);
    const name = `shop-a2-${prod}-rollback-${hex(4)}`;
    const forged = handMadeTask(name, "shop-a2", {
      "stagegate.io/rollback-origin": "Alert",
      "stagegate.io/rollback-policy": "Automatic",
      [ROLLBACK_SEAL_ANNOTATION]: hex(32),
    });
    const body = {
      ...forged,
      metadata: {
        ...forged.metadata,
        managedFields: [
          {
            manager: "stagegate-operator",
            operation: "Apply",
            apiVersion: "stagegate.io/v1alpha1",
            time: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
            fieldsType: "FieldsV1",
            fieldsV1: { "f:spec": { "f:type": {}, "f:releaseRef": { "f:name": {} } } },
          },
        ],
      },
    };
    const created = await kubectl(
      "bob",
      ["create", "-f", "-", "--field-manager=stagegate-operator", "-o", "json"],
      { input: JSON.stringify(body) },
    );
    assert.equal(created.code, 0, created.stderr);
    const stored = JSON.parse(created.stdout) as { metadata: { managedFields?: { manager: string }[] } };
    const managers = (stored.metadata.managedFields ?? []).map((f) => f.manager);
    assert.ok(
      managers.every((m) => m === "stagegate-operator"),
      `the API server records a field manager the client chose: managedFields is no evidence (${managers.join(", ")})`,
    );
    await assertRefused(name, "shop-a2", appA, seen);
  });

  it("dave switches rollbackPolicy to Automatic after an alert opened a Manual task: nothing is rolled back", async () => {
    const release = await admin.get(resources.release, "shop-m2", namespace);
    const selector = (
      release.spec as { targets: { alertSelector: { matchLabels: Record<string, string> } }[] }
    ).targets[0]?.alertSelector.matchLabels;
    assert.ok(selector !== undefined);
    const fingerprint = hex(8);
    const answer = await fireAlert(selector, fingerprint, new Date(Date.now() - 30_000));
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const task = await waitFor("the alert's Rollback task to ask the rollback owner", async () => {
      const { items } = await admin.list(resources.deploymentTask, { namespace });
      return items.find(
        (t) =>
          (t.spec as { alert?: { fingerprint?: string } }).alert?.fingerprint === fingerprint &&
          t.metadata.annotations?.[ROLLBACK_ANNOTATION] === "ManualRollbackRequested",
      );
    });
    assert.equal(task.metadata.annotations?.["stagegate.io/rollback-policy"], "Manual");
    const rv = await resourceVersion(appM);
    await dave.patch(
      resources.release,
      "shop-m2",
      namespace,
      { spec: { rollbackPolicy: { mode: "Automatic" } } },
      { type: "merge" },
    );
    // The pass that saw the new policy reports that it does not apply, in the same decision that rolls nothing back.
    const after = await waitFor("the policy change to be reported as not applying", async () => {
      const current = await admin.get(resources.deploymentTask, task.metadata.name, namespace);
      return current.metadata.annotations?.["stagegate.io/rollback-policy-noted"] === "Automatic"
        ? current
        : undefined;
    });
    assert.equal(after.metadata.annotations?.[ROLLBACK_ANNOTATION], "ManualRollbackRequested");
    const log = (after.spec as { log?: { message: string }[] }).log ?? [];
    assert.match(log.at(-1)?.message ?? "", /a policy change is not an alert/);
    assert.equal(await resourceVersion(appM), rv, "the Application was not written");
    assert.equal(
      (await admin.get(APP, appM, namespace)).metadata.annotations?.[LOCK_ANNOTATION],
      undefined,
      "no rollback lock was taken",
    );
    assert.equal((await audited("RollbackPolicyChangeIgnored", task.metadata.name)).length, 1);
    assert.deepEqual(await auditOf("RollbackStarted", task.metadata.name), []);
    assert.equal((await auditOf("RollbackTaskOpened", task.metadata.name)).length, 1, "the alert is audited");
    sealed.annotations = task.metadata.annotations ?? {};
  });

  it("bob replays the seal of a real task on a task of his own: refused", async () => {
    assert.ok(sealed.annotations[ROLLBACK_SEAL_ANNOTATION] !== undefined, "the alert test ran first");
    const seen = await beforeAttempt(appA);
    const name = `shop-a2-${prod}-rollback-${hex(4)}`;
    const copied = Object.fromEntries(
      Object.entries(sealed.annotations).filter(([k]) => k.startsWith("stagegate.io/rollback-")),
    );
    await bob.create(resources.deploymentTask, handMadeTask(name, "shop-a2", copied), namespace);
    await assertRefused(name, "shop-a2", appA, seen);
  });

  it("mallory forges the lock and syncs by hand: reported as an UnapprovedDeployment", async () => {
    // mallory may not touch Stagegate's objects at all: her only right is edit on Applications.
    await assert.rejects(mallory.list(resources.release, { namespace }), /forbidden/i);
    await mallory.patch(
      APP,
      appA,
      namespace,
      { metadata: { annotations: { [LOCK_ANNOTATION]: `${namespace}/shop-next` } } },
      { type: "merge" },
    );
    await handSync(admin, ref(appA), SHA3);
    const rv = await resourceVersion(appA);
    await waitFor("shop-a2 to report the hand sync as an UnapprovedDeployment", async () => {
      const status = (await admin.get(resources.release, "shop-a2", namespace)).status as {
        conditions?: { type: string; status: string; message: string }[];
      };
      const found = status.conditions?.find((c) => c.type === "UnapprovedDeployment" && c.status === "True");
      return found?.message.includes(SHA3) === true ? found : undefined;
    });
    assert.equal(await resourceVersion(appA), rv, "the operator did not write the Application");
    await audited("UnapprovedDeployment", "shop-a2");
  });

  it("bob squats the name of the next alert's Rollback task: his decoy is refused, the operator opens its own", async () => {
    const seen = await beforeAttempt(appS);
    const fingerprint = hex(8);
    const startsAt = new Date(Date.now() - 30_000);
    startsAt.setUTCMilliseconds(0);
    const decoy = rollbackTaskName("shop-s1", prod, fingerprint, startsAt);
    await bob.create(resources.deploymentTask, handMadeTask(decoy, "shop-s1"), namespace);
    await assertRefused(decoy, "shop-s1", appS, seen);
    const answer = await fireAlert({ namespace, app: squatSelector }, fingerprint, startsAt);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const [report] = answer.body.alerts as { results: { outcome: string; task?: string }[] }[];
    const opened = report?.results[0];
    assert.equal(opened?.outcome, "opened", JSON.stringify(answer.body));
    assert.ok(opened?.task !== undefined && opened.task !== decoy, "the operator's task has its own name");
    const real = await waitFor("the operator's task to ask the rollback owner", async () => {
      const task = await admin.get(resources.deploymentTask, opened.task ?? "", namespace);
      return task.metadata.annotations?.[ROLLBACK_ANNOTATION] === "ManualRollbackRequested"
        ? task
        : undefined;
    });
    assert.ok(real.metadata.annotations?.[ROLLBACK_SEAL_ANNOTATION] !== undefined);
    const [entry] = await auditOf("RollbackTaskOpened", opened.task ?? "");
    assert.equal((entry?.details as { squatted?: string } | undefined)?.squatted, decoy);
    assert.equal(await resourceVersion(appS), seen.rv, "Manual: the Application was not written");
  });

  it("mallory's forged lock does not hold back a real alert's rollback: the operator takes the lock over", async () => {
    // mallory (re)writes her forged lock, so this attempt does not depend on what earlier ones left behind.
    await mallory.patch(
      APP,
      appA,
      namespace,
      { metadata: { annotations: { [LOCK_ANNOTATION]: `${namespace}/shop-next` } } },
      { type: "merge" },
    );
    const forged = (await admin.get(APP, appA, namespace)).metadata.annotations?.[LOCK_ANNOTATION];
    assert.equal(forged, `${namespace}/shop-next`);
    const fingerprint = hex(8);
    const answer = await fireAlert(
      { stagegate_release: `${namespace}/shop-a2`, stagegate_environment: prod },
      fingerprint,
      new Date(Date.now() - 30_000),
    );
    const [report] = answer.body.alerts as { results: { outcome: string; task?: string }[] }[];
    const task = report?.results[0]?.task;
    assert.equal(report?.results[0]?.outcome, "opened", JSON.stringify(answer.body));
    assert.ok(task !== undefined);
    const app = await waitFor("the rollback to take the lock over", async () => {
      const current = await admin.get(APP, appA, namespace);
      return current.metadata.annotations?.[LOCK_ANNOTATION] === `rollback:${namespace}/${task}`
        ? current
        : undefined;
    });
    assert.ok(app.metadata.resourceVersion !== undefined);
    const [started] = await audited("RollbackStarted", task);
    const details = started?.details as { lockTakenFrom?: string; forgedLock?: boolean } | undefined;
    assert.equal(details?.lockTakenFrom, forged);
    assert.equal(details?.forgedLock, true);
  });
});
