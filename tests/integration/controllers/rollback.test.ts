// The rollback controller against the real API server with the real Argo CD Application and Flux HelmRelease
// CRDs: two releases are Verified one after the other on the same delivery object, then a Rollback task is opened
// for the second as the Alertmanager receiver opens it. The release, deployment-task, change-control and rollback
// controllers run in-process as the operator identity (exactly config/rbac's permissions); the driver plays Argo CD
// and Flux. Admission webhooks do not run in this in-process setup: the break-glass ChangeRequest is admitted by
// the API server's CRD schema and CEL rules only (the emergency-expiry webhook is covered by its own tests).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { RELEASE_LABEL } from "../../../src/controllers/release/apply.js";
import { LOCK_ANNOTATION } from "../../../src/controllers/release/gather.js";
import {
  breakGlassChangeName,
  rollbackLockKey,
  rollbackValidationTaskName,
} from "../../../src/controllers/release/names.js";
import { deliveryResources, resources } from "../../../src/controllers/resources.js";
import { createRollbackController } from "../../../src/controllers/rollback/controller.js";
import {
  ROLLBACK_ANNOTATION,
  ROLLBACK_FIELD_MANAGER,
  VALIDATION_ANNOTATION,
} from "../../../src/controllers/rollback/reasons.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import {
  createEnvironment,
  read,
  useControllerWorld,
  waitForStatus,
} from "../../support/controller-world.js";
import { createArgoApplication, createFluxHelmRelease } from "../../support/delivery-objects.js";
import {
  argoSyncs,
  fluxHelmReleases,
  handSync,
  pendingStagegateReconcile,
} from "../../support/gitops-driver.js";
import { waitFor } from "../../support/kube.js";
import { openRollbackTask as openTask } from "../../support/rollback-task.js";
import {
  createRelease as createShopRelease,
  envOf,
  releaseControllers,
  syncRequested,
  waitForEnvState,
} from "../../support/release-world.js";

const APP = deliveryResources.argoCDApplication;
const HELM = deliveryResources.fluxHelmRelease;
const SHA1 = "1a2b3c4d5e6f708192a3b4c5d6e7f80912345678";
const SHA2 = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";

type Mode = "Automatic" | "Manual" | "Disabled";
interface Item {
  name: string;
  state?: string;
  completedBy?: string;
  evidence?: { result?: string; notes?: string };
}

const itemOf = (task: KubeObject, name: string): Item | undefined =>
  (task.spec as { checklist: Item[] }).checklist.find((i) => i.name === name);

describe("Rollback controller", () => {
  const w = useControllerWorld({
    namespacePrefix: "rollback",
    tag: "rb",
    controllers: releaseControllers(createRollbackController),
  });

  const createRelease = (name: string, env: string, target: Record<string, unknown>, mode: Mode) =>
    createShopRelease(w(), name, {
      version: name,
      revision: SHA1,
      pipeline: [env],
      targets: [{ environment: env, ...target }],
      owners: { releaseManager: { name: "rita" }, rollbackOwner: { name: "otto" } },
      rollbackPolicy: mode === "Disabled" ? { mode, reason: "The migration drops a column" } : { mode },
    });

  const waitForEnv = (release: string, env: string, state: string) =>
    waitForEnvState(w(), release, env, state);

  /** `<app>-1` at SHA1, then `<app>-2` at SHA2, both Verified on the Application in a fresh environment. */
  async function twoVerifiedReleases(
    app: string,
    mode: Mode,
  ): Promise<{ env: string; r1: string; r2: string }> {
    const env = w().unique(app);
    await createEnvironment(w(), env, {});
    await createArgoApplication(w(), app);
    const r1 = `${app}-1`;
    const r2 = `${app}-2`;
    const target = (revision: string) => ({ argoCD: { name: app, namespace: w().namespace, revision } });
    await createRelease(r1, env, target(SHA1), mode);
    await syncRequested(w(), app, SHA1);
    await argoSyncs(w().admin, { name: app, namespace: w().namespace }, { revision: SHA1 });
    await waitForEnv(r1, env, "Verified");
    await createRelease(r2, env, target(SHA2), mode);
    await syncRequested(w(), app, SHA2);
    await argoSyncs(w().admin, { name: app, namespace: w().namespace }, { revision: SHA2 });
    await waitForEnv(r2, env, "Verified");
    return { env, r1, r2 };
  }

  /** Opens the Rollback task of `release` in `env` as the Alertmanager receiver does, and returns its name. */
  function openRollbackTask(release: string, env: string): Promise<string> {
    return openTask(w(), release, env, "otto");
  }

  async function task(name: string): Promise<KubeObject> {
    const obj = await read(w(), resources.deploymentTask, name);
    if (obj === undefined) throw new Error(`DeploymentTask ${name} does not exist`);
    return obj;
  }

  function annotated(name: string, key: string, value: string): Promise<KubeObject> {
    return waitFor(`DeploymentTask ${name} to be annotated ${key}=${value}`, async () => {
      const obj = await read(w(), resources.deploymentTask, name);
      return obj?.metadata.annotations?.[key] === value ? obj : undefined;
    });
  }

  const actions = (name: string): string[] =>
    w()
      .audit.about(w().namespace, name)
      .map((e) => e.action);

  /** The rollback controller's reconciles so far, to see it has looked again after a change. */
  async function rollbackReconciles(): Promise<number> {
    const metric = await w().running.deps.metrics.reconcileTotal.get();
    return metric.values.filter((v) => v.labels.controller === "rollback").reduce((n, v) => n + v.value, 0);
  }

  /** Changes the task (a label) and waits until the rollback controller has reconciled again. */
  async function touchAndWait(name: string): Promise<void> {
    const before = await rollbackReconciles();
    await w().admin.patch(
      resources.deploymentTask,
      name,
      w().namespace,
      { metadata: { labels: { touched: randomBytes(3).toString("hex") } } },
      { type: "merge" },
    );
    await waitFor("the rollback controller to look again", async () =>
      (await rollbackReconciles()) >= before + 2 ? true : undefined,
    );
  }

  it("rolls an Automatic release back to the last Verified revision, then validates once the alert resolves", async () => {
    const { admin, namespace } = w();
    const { env, r2 } = await twoVerifiedReleases("shop-auto", "Automatic");
    const name = await openRollbackTask(r2, env);
    const lock = rollbackLockKey(namespace, name);

    const app = await syncRequested(w(), "shop-auto", SHA1);
    assert.equal(
      app.metadata.annotations?.[LOCK_ANNOTATION],
      lock,
      "the sync is requested under the rollback lock",
    );
    await waitForEnv(r2, env, "Failed");
    await annotated(name, ROLLBACK_ANNOTATION, "RollbackStarted");

    await argoSyncs(admin, { name: "shop-auto", namespace }, { revision: SHA1 });
    await waitForStatus(w(), resources.deploymentTask, name, "to succeed", (s) => s.phase === "Succeeded");
    const done = await task(name);
    const item = itemOf(done, "rolled-back");
    assert.equal(item?.state, "Done");
    assert.equal(item?.completedBy, "stagegate-operator");
    assert.equal(item?.evidence?.result, "Passed");
    assert.match(
      item?.evidence?.notes ?? "",
      new RegExp(`runs revision ${SHA1}.*rolled it back from revision ${SHA2}`),
    );
    assert.ok(
      (done.metadata.managedFields as { manager?: string }[] | undefined)?.some(
        (f) => f.manager === ROLLBACK_FIELD_MANAGER,
      ),
      "the item was written under the rollback controller's own field manager",
    );
    await waitFor("the rollback lock to be freed", async () => {
      const obj = await admin.get(APP, "shop-auto", namespace);
      return obj.metadata.annotations?.[LOCK_ANNOTATION] === undefined ? obj : undefined;
    });

    const validation = rollbackValidationTaskName(name);
    const open = await annotated(validation, VALIDATION_ANNOTATION, "AlertFiring");
    assert.equal((open.spec as { type: string }).type, "RollbackValidation");
    assert.deepEqual((open.spec as { owners: unknown }).owners, [{ kind: "User", name: "otto" }]);
    assert.equal(open.metadata.ownerReferences?.[0]?.name, r2);
    assert.equal(open.metadata.labels?.[RELEASE_LABEL], r2);
    assert.equal(
      itemOf(open, "rollback-validated")?.state,
      "Pending",
      "validation waits for the alert to resolve",
    );

    const resolvedAt = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    await admin.patch(
      resources.deploymentTask,
      name,
      namespace,
      { spec: { alert: { resolvedAt } } },
      { type: "merge" },
    );
    await waitForStatus(
      w(),
      resources.deploymentTask,
      validation,
      "to succeed",
      (s) => s.phase === "Succeeded",
    );
    const validated = itemOf(await task(validation), "rollback-validated");
    assert.equal(validated?.completedBy, "stagegate-operator");
    assert.match(validated?.evidence?.notes ?? "", new RegExp(`revision ${SHA1}.*resolved at ${resolvedAt}`));

    await touchAndWait(name);
    assert.deepEqual(actions(name), ["RollbackStarted", "RollbackCompleted"]);
    assert.deepEqual(actions(validation), ["RollbackValidated"]);
    assert.equal((await admin.get(APP, "shop-auto", namespace)).operation, undefined, "no second sync");
    const s2 = await waitForEnv(r2, env, "Failed");
    assert.match(envOf(s2, env)?.reasons?.join(" ") ?? "", new RegExp(`Rollback task ${name}`));
  });

  it("tells the rollback owner of a Manual release what to do, and validates after a person rolled back", async () => {
    const { admin, namespace } = w();
    const { env, r2 } = await twoVerifiedReleases("shop-manual", "Manual");
    const name = await openRollbackTask(r2, env);
    const told = await annotated(name, ROLLBACK_ANNOTATION, "ManualRollbackRequested");
    const log = (told.spec as { log: { author: string; message: string }[] }).log;
    assert.equal(log.length, 1);
    assert.equal(log[0]?.author, "stagegate-operator");
    assert.match(log[0]?.message ?? "", new RegExp(`Rollback owner otto.*--revision ${SHA1}`));
    await waitForEnv(r2, env, "Failed");
    const untouched = await admin.get(APP, "shop-manual", namespace);
    assert.equal(untouched.operation, undefined, "nothing is synced");
    assert.equal(untouched.metadata.annotations?.[LOCK_ANNOTATION], undefined, "nothing is locked");
    assert.equal((untouched.status as { sync: { revision: string } }).sync.revision, SHA2);

    await touchAndWait(name);
    assert.equal(
      (await task(name)).spec && ((await task(name)).spec as { log: unknown[] }).log.length,
      1,
      "told once",
    );

    await handSync(admin, { name: "shop-manual", namespace }, SHA1);
    const current = await task(name);
    const checklist = (current.spec as { checklist: Item[] }).checklist.map((i) =>
      i.name === "rolled-back" ? { ...i, state: "Done", completedBy: "otto" } : i,
    );
    await admin.update(resources.deploymentTask, {
      ...current,
      spec: { ...(current.spec as object), checklist },
    });
    await waitForStatus(w(), resources.deploymentTask, name, "to succeed", (s) => s.phase === "Succeeded");
    const validation = await annotated(
      rollbackValidationTaskName(name),
      VALIDATION_ANNOTATION,
      "AlertFiring",
    );
    assert.equal(itemOf(validation, "rollback-validated")?.state, "Pending");
    assert.deepEqual(actions(name), []);
  });

  it("holds a Disabled release: nothing reverted, owners told why, RollbackHeld audited once", async () => {
    const { admin, namespace } = w();
    const { env, r2 } = await twoVerifiedReleases("shop-held", "Disabled");
    const name = await openRollbackTask(r2, env);
    const held = await annotated(name, ROLLBACK_ANNOTATION, "RollbackHeld");
    const log = (held.spec as { log: { message: string }[] }).log;
    assert.match(log[0]?.message ?? "", /^Rollback disabled: The migration drops a column\./);
    await waitForEnv(r2, env, "Failed");
    await touchAndWait(name);
    assert.deepEqual(actions(name), ["RollbackHeld"]);
    assert.equal(w().audit.about(namespace, name)[0]?.details.reason, "The migration drops a column");
    const app = await admin.get(APP, "shop-held", namespace);
    assert.equal(app.operation, undefined);
    assert.equal((app.status as { sync: { revision: string } }).sync.revision, SHA2);
    assert.equal(itemOf(await task(name), "rolled-back")?.state, "Pending");
  });

  it("rolls back through a release freeze as break-glass and opens an emergency ChangeRequest", async () => {
    const { admin, namespace } = w();
    const { env, r2 } = await twoVerifiedReleases("shop-frozen", "Automatic");
    const now = Date.now();
    await admin.patch(
      resources.environment,
      env,
      undefined,
      {
        spec: {
          gate: {
            freezes: [
              {
                name: "year-end",
                start: new Date(now - 3_600_000).toISOString(),
                end: new Date(now + 3_600_000).toISOString(),
              },
            ],
            emergency: { maxDuration: "4h", approverGroups: ["sre"] },
          },
        },
      },
      { type: "merge" },
    );
    await waitFor("the Environment's freeze to reach the cache", () => {
      const cached = w().running.informers.environments.store.get(env);
      const freezes = (cached?.spec as { gate?: { freezes?: unknown[] } } | undefined)?.gate?.freezes;
      return freezes !== undefined && freezes.length === 1 ? true : undefined;
    });
    const name = await openRollbackTask(r2, env);
    const app = await syncRequested(w(), "shop-frozen", SHA1);
    assert.equal(app.metadata.annotations?.[LOCK_ANNOTATION], rollbackLockKey(namespace, name));

    const change = await waitFor("the break-glass ChangeRequest", () =>
      read(w(), resources.changeRequest, breakGlassChangeName(name)),
    );
    const spec = change.spec as {
      type: string;
      releaseRef: { name: string };
      environment: string;
      justification: string;
      artifacts: { name: string; revision: string }[];
      emergency: { reason: string; expiresAt: string };
      plannedWindow: { start: string; end: string };
    };
    assert.equal(spec.type, "Emergency");
    assert.deepEqual(spec.releaseRef, { name: r2 });
    assert.equal(spec.environment, env);
    assert.match(spec.justification, /alert HighErrorRate/);
    assert.match(spec.justification, new RegExp(`from revision ${SHA2} to revision ${SHA1}`));
    assert.deepEqual(spec.artifacts, [{ name: "shop-frozen", revision: SHA1 }]);
    assert.match(spec.emergency.reason, /year-end/);
    const expires = Date.parse(spec.emergency.expiresAt);
    assert.ok(expires > now && expires <= Date.now() + 4 * 3_600_000, spec.emergency.expiresAt);
    assert.equal(change.metadata.ownerReferences?.[0]?.name, r2);
    await waitForStatus(
      w(),
      resources.changeRequest,
      breakGlassChangeName(name),
      "to be used",
      (s) => s.usedAt !== undefined,
    );

    await argoSyncs(admin, { name: "shop-frozen", namespace }, { revision: SHA1 });
    await waitForStatus(w(), resources.deploymentTask, name, "to succeed", (s) => s.phase === "Succeeded");
    await touchAndWait(name);
    assert.deepEqual(actions(name), ["BreakGlassRollback", "RollbackStarted", "RollbackCompleted"]);
    const breakGlass = w().audit.about(namespace, name)[0];
    assert.equal(breakGlass?.details.changeRequest, breakGlassChangeName(name));
    assert.deepEqual(breakGlass?.details.freezes, ["year-end"]);
  });

  it("rolls a Flux HelmRelease back to the previous chart version", async () => {
    const { admin, namespace } = w();
    const env = w().unique("shop-helm");
    await createEnvironment(w(), env, {});
    await createFluxHelmRelease(w(), "shop-helm", { chart: "shop", version: "0.9.0" });
    const ref = { name: "shop-helm", namespace };
    const target = (chartVersion: string) => ({
      flux: { kind: "HelmRelease", name: "shop-helm", namespace, chartVersion },
    });
    const reconcileRequested = (version: string) =>
      waitFor(`HelmRelease shop-helm to be asked for ${version}`, async () =>
        pendingStagegateReconcile(await admin.get(HELM, "shop-helm", namespace)) === version
          ? true
          : undefined,
      );
    await createRelease("shop-helm-1", env, target("1.0.0"), "Automatic");
    await reconcileRequested("1.0.0");
    await fluxHelmReleases(admin, ref, "1.0.0");
    await waitForEnv("shop-helm-1", env, "Verified");
    await createRelease("shop-helm-2", env, target("2.0.0"), "Automatic");
    await reconcileRequested("2.0.0");
    await fluxHelmReleases(admin, ref, "2.0.0");
    await waitForEnv("shop-helm-2", env, "Verified");

    const name = await openRollbackTask("shop-helm-2", env);
    await reconcileRequested("1.0.0");
    const asked = await admin.get(HELM, "shop-helm", namespace);
    assert.equal((asked.spec as { chart: { spec: { version: string } } }).chart.spec.version, "1.0.0");
    assert.equal(asked.metadata.annotations?.[LOCK_ANNOTATION], rollbackLockKey(namespace, name));
    await fluxHelmReleases(admin, ref, "1.0.0");
    await waitForStatus(w(), resources.deploymentTask, name, "to succeed", (s) => s.phase === "Succeeded");
    assert.match(
      itemOf(await task(name), "rolled-back")?.evidence?.notes ?? "",
      /Flux HelmRelease .* runs revision 1\.0\.0/,
    );
    await waitFor("the rollback lock to be freed", async () => {
      const obj = await admin.get(HELM, "shop-helm", namespace);
      return obj.metadata.annotations?.[LOCK_ANNOTATION] === undefined ? obj : undefined;
    });
  });
});
