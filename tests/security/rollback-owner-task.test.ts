// Issue 9, class 7: the rollback owner's own Rollback task is trusted, on the creator the admission webhook stamps
// from the authenticated request (sealed with the operator's key), and only while the admission controls are
// intact. Against the real API server and RBAC, with the operator as its own process serving its webhooks (the API
// server calls them) and its admission guard, the driver playing Argo CD. bob (a developer: edit on
// DeploymentTasks) types the rollback owner's name into the stamp, edits it afterwards, and, while the webhooks are
// switched off, copies a real stamp of dave's onto his own task; dave, the rollback owner, rolls back with his own
// task, and his task waits while the controls are not intact. Each refused attempt asserts the refusal and its
// reason, that the Application was not written (resourceVersion), and the audit entry.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { admissionResources } from "../../src/controllers/admission-guard/guard.js";
import { checklistFor } from "../../src/controllers/release/checklists.js";
import { LOCK_ANNOTATION } from "../../src/controllers/release/gather.js";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import { ROLLBACK_ANNOTATION } from "../../src/controllers/rollback/reasons.js";
import { ROLLBACK_SEAL_ANNOTATION } from "../../src/controllers/rollback/seal.js";
import {
  CREATED_AT_ANNOTATION,
  CREATED_BY_ANNOTATION,
  CREATOR_SEAL_ANNOTATION,
} from "../../src/controllers/task-creator.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { builtin, type ResourceType } from "../../src/runtime/kube/resource.js";
import { createEnvironment, deleteIgnoringMissing, type StatusView } from "../support/controller-world.js";
import { createArgoApplication } from "../support/delivery-objects.js";
import { scrapeMetric, startE2eOperator, type E2eOperator } from "../support/e2e-operator.js";
import { argoSyncs, pendingStagegateSync } from "../support/gitops-driver.js";
import { clientFor, createTestNamespace, waitFor } from "../support/kube.js";
import { fireAlert, type ReceiverEndpoint } from "../support/receiver-client.js";
import { createRelease, envOf, syncRequested, waitForEnvState } from "../support/release-world.js";
import { scopedTokenFile, scopeTokens } from "../support/scoped-tokens.js";
import { grantRole } from "./rollback-evidence-support.js";

const SHA1 = "1c1c1c1d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const SHA2 = "2d2d2d2d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const APP = deliveryResources.argoCDApplication;
const POLICY_FILE = path.join(
  import.meta.dirname,
  "..",
  "..",
  "config",
  "policy",
  "closed-objects-immutable.yaml",
);
const hex = (bytes: number): string => randomBytes(bytes).toString("hex");
const TOKEN = `am-${hex(12)}`;

/** A copy of an object for re-creating it: no server-set metadata. */
function fresh(obj: KubeObject): Record<string, unknown> {
  const {
    resourceVersion: _rv,
    uid: _uid,
    creationTimestamp: _ct,
    managedFields: _mf,
    generation: _g,
    ...metadata
  } = obj.metadata as Record<string, unknown>;
  return { ...obj, metadata };
}

describe("Class 7: the rollback owner's own Rollback task, proven by its admission stamp", () => {
  let admin: KubeClient;
  let bob: KubeClient;
  let dave: KubeClient;
  let namespace: string;
  let operator: E2eOperator | undefined;
  let receivers: ReceiverEndpoint;
  let tokenDir: string | undefined;
  /** The Rollback task a real alert opened (sealed by the operator), once the test that fires it ran. */
  let alertTask: string | undefined;
  const id = hex(3);
  const policy = `owner-guard-${id}`;
  const prod = `prod-owner-${hex(3)}`;
  const configurations = {
    mutating: `owner-${id}-stagegate-mutating-webhooks`,
    validating: `owner-${id}-stagegate-validating-webhooks`,
  };
  const scope = () => ({ admin, namespace });

  /** x1 at SHA1 then x2 at SHA2 Verified on `app`, under `mode`, the test playing Argo CD. */
  async function twoReleases(app: string, prefix: string, mode: "Automatic" | "Manual"): Promise<void> {
    await createArgoApplication(scope(), app);
    for (const [name, sha] of [
      [`${prefix}1`, SHA1],
      [`${prefix}2`, SHA2],
    ] as const) {
      await createRelease(scope(), name, {
        version: name,
        revision: sha,
        pipeline: [prod],
        targets: [{ environment: prod, argoCD: { name: app, namespace, revision: sha } }],
        rollbackPolicy: { mode },
      });
      await syncRequested(scope(), app, sha);
      await argoSyncs(admin, { name: app, namespace }, { revision: sha });
      await waitForEnvState(scope(), name, prod, "Verified", 60_000);
    }
  }

  /** A Rollback task of `release` in prod, owned by dave, as a person writes it (with `annotations`). */
  function rollbackTask(name: string, release: string, annotations: Record<string, string> = {}) {
    return {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "DeploymentTask",
      metadata: { name, namespace, annotations },
      spec: {
        type: "Rollback",
        title: `Roll back ${release} in ${prod}`,
        releaseRef: { name: release },
        environment: prod,
        owners: [{ name: "dave" }],
        checklist: checklistFor("Rollback"),
      },
    };
  }

  const resourceVersion = async (app: string) =>
    (await admin.get(APP, app, namespace)).metadata.resourceVersion;
  const annotationsOf = async (task: string) =>
    (await admin.get(resources.deploymentTask, task, namespace)).metadata.annotations ?? {};
  const stateIn = async (release: string) =>
    envOf(((await admin.get(resources.release, release, namespace)).status ?? {}) as StatusView, prod)?.state;

  async function auditOf(
    action: string,
    name: string,
  ): Promise<{ actor: string; details: Record<string, unknown> }[]> {
    if (operator === undefined) return [];
    const text = await readFile(operator.process.auditFile, "utf8");
    return text
      .split("\n")
      .filter((line) => line !== "")
      .map(
        (line) =>
          JSON.parse(line) as {
            action: string;
            actor: string;
            object: { name: string };
            details: Record<string, unknown>;
          },
      )
      .filter((e) => e.action === action && e.object.name === name);
  }

  function audited(action: string, name: string) {
    return waitFor(`the audit entry ${action} about ${name}`, async () => {
      const entries = await auditOf(action, name);
      return entries.length > 0 ? entries : undefined;
    });
  }

  /** Waits until the rollback controller recorded `step` on the task, and returns its annotations. */
  function step(task: string, step: string, timeoutMs = 30_000) {
    return waitFor(
      `Rollback task ${task} to record ${step}`,
      async () => {
        const annotations = await annotationsOf(task);
        return annotations[ROLLBACK_ANNOTATION] === step ? annotations : undefined;
      },
      { timeoutMs },
    );
  }

  const intact = (value: number, why: string) =>
    waitFor(`stagegate_admission_controls_intact to be ${value} (${why})`, async () =>
      operator !== undefined &&
      (await scrapeMetric(operator.metrics, "stagegate_admission_controls_intact", {})) === value
        ? true
        : undefined,
    );

  /** Everything a refused task must leave as it was: the Application, the environment, the trail. */
  async function assertRefused(
    task: string,
    release: string,
    app: string,
    rv: string | undefined,
    reason: RegExp,
  ) {
    await step(task, "RollbackTaskRefused");
    const [entry] = await audited("RollbackTaskRefused", task);
    assert.match(String(entry?.details.reason), reason);
    assert.equal(await resourceVersion(app), rv, "the Application was not written (no lock, no sync)");
    assert.equal(await stateIn(release), "Verified", "the environment is not held");
    assert.deepEqual(await auditOf("RollbackStarted", task), []);
  }

  before(
    async () => {
      admin = await clientFor("admin");
      namespace = await createTestNamespace(admin, "sec-owner");
      await grantRole(admin, namespace, "stagegate-release-manager", ["bob", "dave"]);
      [bob, dave] = await Promise.all([clientFor("bob"), clientFor("dave")]);
      // A copy of the closed-object policy under this test's own name, so switching its binding off (the guard's
      // "not intact") touches no other test.
      for (const doc of parseAllDocuments(readFileSync(POLICY_FILE, "utf8"))) {
        const obj = doc.toJS() as { kind: string; spec: Record<string, unknown> };
        const policyKind = obj.kind === "ValidatingAdmissionPolicy";
        await admin.create(policyKind ? admissionResources.policy : admissionResources.binding, {
          ...obj,
          metadata: { name: policy },
          spec: policyKind ? obj.spec : { ...obj.spec, policyName: policy },
        });
      }
      await createEnvironment({ admin, namespace }, prod, {});
      tokenDir = await mkdtemp(path.join(tmpdir(), "stagegate-owner-tokens-"));
      const tokenFile = path.join(tokenDir, "alertmanager-tokens");
      await writeFile(tokenFile, scopedTokenFile(scopeTokens([TOKEN], "am", namespace)));
      operator = await startE2eOperator(admin, namespace, {
        id,
        namePrefix: "owner",
        admissionGuardInterval: "1s",
        closedObjectsPolicy: policy,
        flags: ["--events-bind-address=127.0.0.1:0", `--alertmanager-token-file=${tokenFile}`],
      });
      const events = await operator.process.waitForLog("Serving event receivers");
      receivers = { port: Number(events.eventsPort), caPem: operator.webhookCaPem };
      await intact(1, "as registered");
      await twoReleases("app-a", "shop-a", "Automatic");
      await twoReleases("app-b", "shop-b", "Automatic");
      await twoReleases("app-c", "shop-c", "Automatic");
      await twoReleases("app-d", "shop-d", "Manual");
      await twoReleases("app-e", "shop-e", "Manual");
    },
    { timeout: 300_000 },
  );

  after(async () => {
    await operator?.stop();
    if (tokenDir !== undefined) await rm(tokenDir, { recursive: true, force: true });
    await deleteIgnoringMissing(admin, admissionResources.binding, policy);
    await deleteIgnoringMissing(admin, admissionResources.policy, policy);
    await deleteIgnoringMissing(admin, resources.environment, prod);
    await deleteIgnoringMissing(admin, builtin.namespace, namespace);
    for (const c of [bob, dave, admin]) c?.close();
  });

  it("bob types the rollback owner into the creator stamp: the webhook stamps bob, the task is refused", async () => {
    const rv = await resourceVersion("app-a");
    const name = `shop-a2-rollback-${hex(3)}`;
    const created = await bob.create(
      resources.deploymentTask,
      rollbackTask(name, "shop-a2", {
        [CREATED_BY_ANNOTATION]: "dave",
        [CREATED_AT_ANNOTATION]: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        [CREATOR_SEAL_ANNOTATION]: hex(32),
      }),
      namespace,
    );
    assert.equal(
      created.metadata.annotations?.[CREATED_BY_ANNOTATION],
      "bob",
      "the server stamped who created it",
    );
    await assertRefused(name, "shop-a2", "app-a", rv, /created by bob, not by the rollback owner dave/);
  });

  it("bob edits the creator stamp of his task to name the rollback owner: admission denies it", async () => {
    const rv = await resourceVersion("app-a");
    const name = `shop-a2-rollback-${hex(3)}`;
    await bob.create(resources.deploymentTask, rollbackTask(name, "shop-a2"), namespace);
    await assertRefused(name, "shop-a2", "app-a", rv, /created by bob/);
    await assert.rejects(
      bob.patch(
        resources.deploymentTask,
        name,
        namespace,
        { metadata: { annotations: { [CREATED_BY_ANNOTATION]: "dave" } } },
        { type: "merge" },
      ),
      /CreatorForged: metadata\.annotations\[stagegate\.io\/created-by\]/,
    );
    assert.equal((await annotationsOf(name))[CREATED_BY_ANNOTATION], "bob", "the stamp is unchanged");
    // The API server may call the webhook again when it retries its own update, so one denial or more.
    const denials = await audited("AdmissionDenied", name);
    assert.deepEqual(
      [...new Set(denials.map((d) => `${d.actor} ${String(d.details.rule)}`))],
      ["bob CreatorForged"],
    );
    assert.equal(await resourceVersion("app-a"), rv, "the Application was not written");
    assert.equal(await stateIn("shop-a2"), "Verified", "the environment is not held");
  });

  it("while the webhooks are off, bob copies a real stamp of dave's onto his task: refused once they are back", async () => {
    // dave's own (harmless) task carries a stamp the webhook really made.
    const daves = `shop-c2-notes-${hex(3)}`;
    await dave.create(
      resources.deploymentTask,
      {
        ...rollbackTask(daves, "shop-c2"),
        spec: { ...rollbackTask(daves, "shop-c2").spec, type: "Checklist" },
      },
      namespace,
    );
    const stamp = await annotationsOf(daves);
    assert.equal(stamp[CREATED_BY_ANNOTATION], "dave");
    const rv = await resourceVersion("app-c");
    const saved: [ResourceType, KubeObject][] = [
      [admissionResources.mutating, await admin.get(admissionResources.mutating, configurations.mutating)],
      [
        admissionResources.validating,
        await admin.get(admissionResources.validating, configurations.validating),
      ],
    ];
    const name = `shop-c2-rollback-${hex(3)}`;
    try {
      for (const [type, obj] of saved) await admin.delete(type, obj.metadata.name);
      await intact(0, "webhooks switched off");
      const copied = Object.fromEntries(
        Object.entries(stamp).filter(([k]) => k.startsWith("stagegate.io/created-")),
      );
      const created = await bob.create(
        resources.deploymentTask,
        rollbackTask(name, "shop-c2", copied),
        namespace,
      );
      assert.equal(created.metadata.annotations?.[CREATED_BY_ANNOTATION], "dave", "no webhook stamped it");
    } finally {
      for (const [type, obj] of saved) await admin.create(type, fresh(obj));
    }
    await intact(1, "webhooks restored");
    await assertRefused(name, "shop-c2", "app-c", rv, /not made by the admission webhook for this task/);
  });

  it("dave, the rollback owner, rolls back with his own task under the release's Automatic policy", async () => {
    const name = `shop-b2-rollback-${hex(3)}`;
    const created = await dave.create(resources.deploymentTask, rollbackTask(name, "shop-b2"), namespace);
    assert.equal(created.metadata.annotations?.[CREATED_BY_ANNOTATION], "dave");
    await audited("RollbackStarted", name);
    const app = await waitFor("the rollback's sync to the previous revision", async () => {
      const current = await admin.get(APP, "app-b", namespace);
      return pendingStagegateSync(current) === SHA1 ? current : undefined;
    });
    assert.equal(app.metadata.annotations?.[LOCK_ANNOTATION], `rollback:${namespace}/${name}`);
    await waitForEnvState(scope(), "shop-b2", prod, "Failed");
    assert.deepEqual(await auditOf("RollbackTaskRefused", name), []);
    // bob deleting dave's task would end the hold and the rollback: only its creator and owners withdraw it.
    await assert.rejects(
      bob.delete(resources.deploymentTask, name, namespace),
      /NotTaskOwner.*dave opened it/,
    );
    assert.equal(await stateIn("shop-b2"), "Failed", "production stays held");
  });

  it("dave's task waits while the admission controls are not intact, and is acted on once they are", async () => {
    const rv = await resourceVersion("app-d");
    const name = `shop-d2-rollback-${hex(3)}`;
    await admin.delete(admissionResources.binding, policy);
    try {
      await intact(0, "the closed-object policy's binding deleted");
      await dave.create(resources.deploymentTask, rollbackTask(name, "shop-d2"), namespace);
      await step(name, "AdmissionControlsNotIntact");
      assert.equal(await resourceVersion("app-d"), rv, "the Application was not written");
      assert.equal(await stateIn("shop-d2"), "Verified", "the environment is not held yet");
      assert.deepEqual(await auditOf("RollbackTaskRefused", name), [], "waiting is not a refusal");
    } finally {
      const binding = parseAllDocuments(readFileSync(POLICY_FILE, "utf8"))
        .map((d) => d.toJS() as { kind: string; spec: Record<string, unknown> })
        .find((o) => o.kind === "ValidatingAdmissionPolicyBinding");
      await admin.create(admissionResources.binding, {
        ...binding,
        metadata: { name: policy },
        spec: { ...binding?.spec, policyName: policy },
      });
    }
    await intact(1, "binding restored");
    await step(name, "ManualRollbackRequested", 60_000);
    await waitForEnvState(scope(), "shop-d2", prod, "Failed");
    assert.equal(
      await resourceVersion("app-d"),
      rv,
      "Manual: the rollback owner rolls back, not the operator",
    );
  });
  it("bob strips the seal of an alert's task, rewrites its step, rewords its notice: admission denies each", async () => {
    const fingerprint = hex(8);
    const answer = await fireAlert(receivers, TOKEN, {
      labels: { stagegate_release: `${namespace}/shop-e2`, stagegate_environment: prod },
      fingerprint,
      startsAt: new Date(Date.now() - 30_000),
    });
    const [report] = answer.body.alerts as { results: { outcome: string; task?: string }[] }[];
    assert.equal(report?.results[0]?.outcome, "opened", JSON.stringify(answer.body));
    const name = report?.results[0]?.task ?? "";
    alertTask = name;
    const sealed = await step(name, "ManualRollbackRequested");
    assert.ok(sealed[ROLLBACK_SEAL_ANNOTATION] !== undefined, "the operator sealed the task");
    const stored = await admin.get(resources.deploymentTask, name, namespace);
    const notice = (stored.spec as { log?: Record<string, unknown>[] }).log ?? [];
    assert.equal(notice.length, 1, "the operator wrote its notice");
    const attempts: [string, Record<string, unknown>, RegExp][] = [
      // Stripped, the seal no longer proves the operator opened the task: it would refuse its own task, and the
      // environment would no longer be held.
      [
        "strip the seal",
        { metadata: { annotations: { [ROLLBACK_SEAL_ANNOTATION]: null } } },
        /OperatorMarkReserved/,
      ],
      [
        "record a step the operator did not take",
        { metadata: { annotations: { [ROLLBACK_ANNOTATION]: "RollbackSucceeded" } } },
        /OperatorMarkReserved/,
      ],
      [
        "reword the notice",
        { spec: { log: [{ ...notice[0], message: "No rollback needed." }] } },
        /LogRewritten/,
      ],
      ["remove the notice", { spec: { log: [] } }, /LogRewritten/],
    ];
    for (const [what, patch, rule] of attempts) {
      await assert.rejects(
        bob.patch(resources.deploymentTask, name, namespace, patch, { type: "merge" }),
        rule,
        `bob may not ${what}`,
      );
    }
    const kept = await admin.get(resources.deploymentTask, name, namespace);
    assert.deepEqual(
      kept.metadata.annotations,
      stored.metadata.annotations,
      "the operator's marks are as it left them",
    );
    assert.deepEqual((kept.spec as { log?: unknown }).log, notice, "the notice is as the operator wrote it");
    assert.equal(await stateIn("shop-e2"), "Failed", "the alert still holds production");
    const denials = (await auditOf("AdmissionDenied", name)).filter((e) => e.actor === "bob");
    assert.equal(denials.length, attempts.length, "every attempt is on record");
    // What bob may do: add a comment after the notice, which the server signs with his name, whatever he typed.
    const typed = { time: "2020-01-01T00:00:00Z", author: "stagegate", kind: "Comment", message: "On it." };
    const commented = await bob.patch(
      resources.deploymentTask,
      name,
      namespace,
      { metadata: { resourceVersion: kept.metadata.resourceVersion }, spec: { log: [...notice, typed] } },
      { type: "merge" },
    );
    const added = ((commented.spec as { log?: { author: string; time: string }[] }).log ?? []).at(-1);
    assert.equal(added?.author, "bob");
    assert.notEqual(added?.time, typed.time);
  });
  it("bob cancels the alert's task, then deletes it: admission denies both, production stays held", async () => {
    assert.ok(alertTask !== undefined, "the alert test ran first");
    const name = alertTask;
    // Cancelled, the task would no longer be acted on; deleted, it would no longer hold production (the release would
    // report Verified again and the pipeline go on) nor be on record: a real alert silenced.
    await assert.rejects(
      bob.patch(resources.deploymentTask, name, namespace, { spec: { cancelled: true } }, { type: "merge" }),
      /NotTaskOwner/,
    );
    await assert.rejects(bob.delete(resources.deploymentTask, name, namespace), /SealedTaskKept/);
    const kept = await admin.get(resources.deploymentTask, name, namespace);
    assert.equal((kept.spec as { cancelled?: boolean }).cancelled ?? false, false);
    assert.equal(await stateIn("shop-e2"), "Failed", "the alert still holds production");
    const denials = (await auditOf("AdmissionDenied", name)).filter((e) => e.actor === "bob");
    assert.deepEqual(
      denials.slice(-2).map((e) => e.details.rule),
      ["NotTaskOwner", "SealedTaskKept"],
      "both attempts are on record",
    );
    // The rollback owner may cancel it: it is his decision not to roll back.
    const cancelled = await dave.patch(
      resources.deploymentTask,
      name,
      namespace,
      { spec: { cancelled: true } },
      { type: "merge" },
    );
    assert.equal((cancelled.spec as { cancelled?: boolean }).cancelled, true);
  });
});
