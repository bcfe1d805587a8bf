// The drift check against the real API server with the real Argo CD Application and Flux Kustomization CRDs:
// a release's ConfigDrift task, opened as the Release controller opens it, completes by itself once the
// environment's target reports in sync, and is left alone while it drifts or once a person has taken it over.
// The controllers run as the operator identity, with exactly the RBAC config/rbac ships; the driver plays
// Argo CD and Flux.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EnvironmentSpec } from "../../../src/api/v1alpha1/environment.js";
import { ReleaseSpec } from "../../../src/api/v1alpha1/release.js";
import { createDeploymentTaskController } from "../../../src/controllers/deployment-task/controller.js";
import { createDriftCheckController } from "../../../src/controllers/drift-check/controller.js";
import {
  DRIFT_CHECK_ANNOTATION,
  DRIFT_CHECK_FIELD_MANAGER,
} from "../../../src/controllers/drift-check/reasons.js";
import { RELEASE_FIELD_MANAGER, RELEASE_LABEL } from "../../../src/controllers/release/apply.js";
import { bindingFor, planCheckTasks } from "../../../src/controllers/release/children.js";
import { resources } from "../../../src/controllers/resources.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { read, useControllerWorld, waitForStatus } from "../../support/controller-world.js";
import { createArgoApplication, createFluxKustomization } from "../../support/delivery-objects.js";
import { argoDrifts, argoSyncs, fluxReconciles } from "../../support/gitops-driver.js";
import { waitFor } from "../../support/kube.js";
import { createRelease, releaseSpec, type ReleaseInput } from "../../support/release-world.js";

const API_VERSION = "stagegate.io/v1alpha1";
const SHA = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const ENVIRONMENT = "dev";
/** Short, so a resync is noticed quickly; production looks again every 30 s. */
const RECHECK_MS = 300;

interface Item {
  name: string;
  description?: string;
  required?: boolean;
  state?: string;
  completedBy?: string;
  evidence?: { result?: string; notes?: string };
}

const checklistOf = (task: KubeObject): Item[] => (task.spec as { checklist: Item[] }).checklist;
const itemOf = (task: KubeObject, name: string): Item | undefined =>
  checklistOf(task).find((item) => item.name === name);

describe("Config drift check", () => {
  const w = useControllerWorld({
    namespacePrefix: "drift",
    tag: "dc",
    controllers: (deps, informers) => [
      createDeploymentTaskController(deps, informers),
      createDriftCheckController(deps, informers, { recheckAfterMs: RECHECK_MS }),
    ],
  });

  const createApplication = (name: string) => createArgoApplication(w(), name, { targetRevision: "main" });

  /** Creates a Release with one target in dev, then its ConfigDrift task exactly as the Release controller would. */
  async function releaseWithDriftTask(name: string, target: Record<string, unknown>): Promise<string> {
    const { admin, namespace } = w();
    const input: ReleaseInput = {
      version: "1.4.0",
      revision: SHA,
      pipeline: [ENVIRONMENT],
      targets: [{ environment: ENVIRONMENT, ...target }],
    };
    const release = await createRelease(w(), name, input);
    const env = EnvironmentSpec.parse({ gate: { requiredChecks: ["ConfigDrift"] } });
    const ref = { name, uid: release.metadata.uid ?? "", spec: ReleaseSpec.parse(releaseSpec(input)) };
    const binding = bindingFor(ref, ENVIRONMENT);
    assert.ok(binding !== undefined, "the release binds its environment");
    const [task] = planCheckTasks(ref, binding, env);
    assert.ok(task !== undefined);
    await admin.apply(
      resources.deploymentTask,
      {
        apiVersion: API_VERSION,
        kind: "DeploymentTask",
        metadata: {
          name: task.name,
          namespace,
          labels: { [RELEASE_LABEL]: name },
          ownerReferences: [
            { apiVersion: API_VERSION, kind: "Release", name, uid: release.metadata.uid, controller: true },
          ],
        },
        spec: {
          type: task.type,
          title: task.title,
          description: task.description,
          releaseRef: task.releaseRef,
          environment: task.environment,
          owners: task.owners,
          checklist: task.checklist,
        },
      },
      { fieldManager: RELEASE_FIELD_MANAGER },
    );
    return task.name;
  }

  /** Waits until the task records `verdict` and returns it; the task stays Ready with its items Pending. */
  async function waitForVerdict(task: string, verdict: string): Promise<KubeObject> {
    return waitFor(`DeploymentTask ${task} to record ${verdict}`, async () => {
      const obj = await read(w(), resources.deploymentTask, task);
      return obj?.metadata.annotations?.[DRIFT_CHECK_ANNOTATION] === verdict ? obj : undefined;
    });
  }

  async function eventsAbout(task: string, reason: string): Promise<Record<string, unknown>[]> {
    const page = await w().admin.list(builtin.event, { namespace: w().namespace });
    return page.items.filter((e) => {
      const regarding = e.regarding as { name?: string } | undefined;
      return regarding?.name === task && e.reason === reason;
    });
  }

  function driftAudits(task: string) {
    return w()
      .audit.about(w().namespace, task)
      .filter((e) => e.action === "DriftChecked");
  }

  /** Asserts both drift items are Done, signed by the operator, with `notes` in their evidence. */
  function assertCompleted(task: KubeObject, notes: string): void {
    for (const name of ["drift-checked", "drift-resolved"]) {
      const item = itemOf(task, name);
      assert.equal(item?.state, "Done", JSON.stringify(item));
      assert.equal(item.completedBy, "stagegate-operator");
      assert.equal(item.evidence?.result, "Passed");
      assert.ok(item.evidence.notes?.includes(notes), item.evidence.notes);
      assert.equal(item.required, true, "the Release controller's fields are kept");
      assert.ok((item.description ?? "").length > 0, "the Release controller's fields are kept");
    }
  }

  it("waits while the Argo CD Application is out of sync, then completes the task once it is Synced", async () => {
    const { admin, namespace } = w();
    await createApplication("shop-argo");
    await argoDrifts(admin, { name: "shop-argo", namespace }, { revision: SHA });
    const task = await releaseWithDriftTask("shop-argo", {
      argoCD: { name: "shop-argo", namespace, revision: SHA },
    });

    const waiting = await waitForVerdict(task, "OutOfSync");
    assert.deepEqual(
      checklistOf(waiting).map((item) => [item.name, item.state, item.evidence]),
      [
        ["drift-checked", "Pending", undefined],
        ["drift-resolved", "Pending", undefined],
      ],
    );
    await waitForStatus(w(), resources.deploymentTask, task, "to be Ready", (s) => s.phase === "Ready");
    const [drifted] = await eventsAbout(task, "OutOfSync");
    assert.equal(drifted?.type, "Warning");
    assert.match(
      String(drifted.note),
      new RegExp(`Argo CD Application ${namespace}/shop-argo is out of sync`),
    );
    assert.deepEqual(driftAudits(task), []);

    await argoSyncs(admin, { name: "shop-argo", namespace }, { revision: SHA });
    const done = await waitForStatus(w(), resources.deploymentTask, task, "to succeed", (s) => {
      return s.phase === "Succeeded";
    });
    assert.equal(done.progress, "2/2");
    const completed = await read(w(), resources.deploymentTask, task);
    assert.ok(completed !== undefined);
    assertCompleted(
      completed,
      `Argo CD Application ${namespace}/shop-argo reported Synced at revision ${SHA}`,
    );
    assert.equal(completed.metadata.annotations?.[DRIFT_CHECK_ANNOTATION], "InSync");
    const managers = (completed.metadata.managedFields as { manager: string; operation: string }[]).map(
      (m) => `${m.manager} ${m.operation}`,
    );
    assert.ok(managers.includes(`${DRIFT_CHECK_FIELD_MANAGER} Apply`), managers.join(", "));
    assert.ok(managers.includes(`${RELEASE_FIELD_MANAGER} Apply`), managers.join(", "));

    const audits = driftAudits(task);
    assert.equal(audits.length, 1, JSON.stringify(audits));
    assert.equal(audits[0]?.actor, "stagegate-operator");
    assert.equal(audits[0]?.object.uid, completed.metadata.uid);
    assert.equal(audits[0]?.details.revision, SHA);
    assert.equal(audits[0]?.details.synced, true);
    assert.deepEqual(audits[0]?.details.target, {
      tool: "ArgoCD",
      kind: "Application",
      namespace,
      name: "shop-argo",
    });
    assert.equal((await eventsAbout(task, "DriftChecked")).length, 1);
    assert.equal((await eventsAbout(task, "OutOfSync")).length, 1, "a long wait is announced once");
  });

  it("completes the task once the Flux Kustomization is Ready at its last attempted revision", async () => {
    const { admin, namespace } = w();
    await createFluxKustomization(w(), "shop-flux");
    const task = await releaseWithDriftTask("shop-flux", {
      flux: { kind: "Kustomization", name: "shop-flux", namespace },
    });

    const waiting = await waitForVerdict(task, "Progressing");
    assert.deepEqual(
      checklistOf(waiting).map((item) => item.state),
      ["Pending", "Pending"],
    );
    // The Event follows the status write that set the verdict: wait for it rather than read at once.
    const progressing = await waitFor(
      "the Progressing Event",
      async () => (await eventsAbout(task, "Progressing"))[0],
    );
    assert.equal(progressing.type, "Normal");

    await fluxReconciles(admin, { name: "shop-flux", namespace }, SHA);
    await waitForStatus(w(), resources.deploymentTask, task, "to succeed", (s) => s.phase === "Succeeded");
    const completed = await read(w(), resources.deploymentTask, task);
    assert.ok(completed !== undefined);
    assertCompleted(
      completed,
      `Flux Kustomization ${namespace}/shop-flux reported Ready at revision main@sha1:${SHA}`,
    );
    assert.equal(driftAudits(task).length, 1);
  });

  it("checks again when a person sets the completed items back to Pending", async () => {
    const { admin, namespace } = w();
    await createApplication("shop-again");
    await argoSyncs(admin, { name: "shop-again", namespace }, { revision: SHA });
    const task = await releaseWithDriftTask("shop-again", {
      argoCD: { name: "shop-again", namespace, revision: SHA },
    });
    await waitForStatus(w(), resources.deploymentTask, task, "to succeed", (s) => s.phase === "Succeeded");

    // Someone changes a live object by hand, and a person asks for the check to be done again.
    await argoDrifts(admin, { name: "shop-again", namespace }, { revision: SHA });
    const completed = await read(w(), resources.deploymentTask, task);
    assert.ok(completed !== undefined);
    const reset = checklistOf(completed).map((item) => ({ ...item, state: "Pending" }));
    await admin.update(resources.deploymentTask, {
      ...completed,
      spec: { ...(completed.spec as object), checklist: reset },
    });
    const waiting = await waitForVerdict(task, "OutOfSync");
    assert.deepEqual(
      checklistOf(waiting).map((item) => [item.state, item.completedBy, item.evidence]),
      [
        ["Pending", undefined, undefined],
        ["Pending", undefined, undefined],
      ],
      "the evidence of the earlier check no longer describes the target and is taken off",
    );

    await argoSyncs(admin, { name: "shop-again", namespace }, { revision: SHA });
    await waitForStatus(w(), resources.deploymentTask, task, "to succeed again", (s) => {
      return s.phase === "Succeeded";
    });
    const again = await read(w(), resources.deploymentTask, task);
    assert.ok(again !== undefined);
    assertCompleted(again, `Argo CD Application ${namespace}/shop-again reported Synced at revision ${SHA}`);
    assert.equal(driftAudits(task).length, 2, "each completion is audited once");
  });

  it("leaves a task alone once a person has marked a drift item Failed", async () => {
    const { admin, namespace } = w();
    await createApplication("shop-person");
    await argoDrifts(admin, { name: "shop-person", namespace }, { revision: SHA });
    const target = { argoCD: { name: "shop-person", namespace, revision: SHA } };
    const task = await releaseWithDriftTask("shop-person", target);
    const waiting = await waitForVerdict(task, "OutOfSync");

    const checklist = checklistOf(waiting).map((item) =>
      item.name === "drift-checked"
        ? { ...item, state: "Failed", completedBy: "erin", evidence: { result: "Failed", notes: "Drifted." } }
        : item,
    );
    await admin.update(resources.deploymentTask, {
      ...waiting,
      spec: { ...(waiting.spec as object), checklist },
    });
    await waitForStatus(w(), resources.deploymentTask, task, "to fail", (s) => s.phase === "Failed");

    // The Application is resynced; a second release's task on it shows the drift check has seen that.
    await argoSyncs(admin, { name: "shop-person", namespace }, { revision: SHA });
    const witness = await releaseWithDriftTask("shop-witness", target);
    await waitForStatus(w(), resources.deploymentTask, witness, "to succeed", (s) => s.phase === "Succeeded");

    const left = await read(w(), resources.deploymentTask, task);
    assert.ok(left !== undefined);
    assert.deepEqual(itemOf(left, "drift-checked"), {
      ...itemOf(waiting, "drift-checked"),
      state: "Failed",
      completedBy: "erin",
      evidence: { result: "Failed", notes: "Drifted." },
    });
    assert.deepEqual(itemOf(left, "drift-resolved"), itemOf(waiting, "drift-resolved"));
    assert.equal(left.metadata.annotations?.[DRIFT_CHECK_ANNOTATION], "OutOfSync");
    assert.deepEqual(driftAudits(task), []);
    assert.equal(driftAudits(witness).length, 1);
  });
});
