// Issue 9, class 7: a forged `stagegate.io/locked-by` cannot hold a promotion back. Against the real API server and
// RBAC, with the operator as its own process and the driver playing Argo CD. mallory holds only edit on Argo CD
// Applications: she writes the lock naming a release that does not exist, one that targets another object, and one
// that waits at its gate for this very object. The release that wants the target takes the lock over (at once, or
// once the short grace a real taker gets has passed), its promotion reaches Argo CD, and the audit entry of the lock
// names the forged holder. A lock in the name of the release that delivered there before is freed by that release
// itself. The legit path: a release whose promotion is in flight on the target holds it, and the next release waits
// its turn.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { LOCK_ANNOTATION } from "../../src/controllers/release/gather.js";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { kubeconfigPath } from "../support/cluster.js";
import { createEnvironment, deleteIgnoringMissing, type StatusView } from "../support/controller-world.js";
import { createArgoApplication } from "../support/delivery-objects.js";
import { argoSyncs } from "../support/gitops-driver.js";
import { clientFor, createTestNamespace, waitFor } from "../support/kube.js";
import { startOperator, type OperatorProcess } from "../support/operator-process.js";
import { createRelease, envOf, syncRequested, waitForEnvState } from "../support/release-world.js";
import { grantApplicationEditor, trailEntries, type TrailEntry } from "./rollback-evidence-support.js";

const SHA1 = "1a1a1a1a9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const SHA2 = "2b2b2b2b9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const APP = deliveryResources.argoCDApplication;
const hex = (bytes: number): string => randomBytes(bytes).toString("hex");

describe("Class 7: a forged lock on a delivery object holds no promotion back", () => {
  let admin: KubeClient;
  let mallory: KubeClient;
  let namespace: string;
  let operator: OperatorProcess | undefined;
  const prod = `prod-lock-${hex(3)}`;
  const pre = `pre-lock-${hex(3)}`;
  const scope = () => ({ admin, namespace });
  const ref = (name: string) => ({ name, namespace });

  function release(name: string, app: string, sha: string, pipeline = [prod], preApp = "app-pre") {
    return createRelease(scope(), name, {
      version: name,
      revision: sha,
      pipeline,
      targets: pipeline.map((environment) => ({
        environment,
        argoCD: { name: environment === pre ? preApp : app, namespace, revision: sha },
      })),
      rollbackPolicy: { mode: "Manual" },
    });
  }

  async function auditOf(action: string, name: string): Promise<TrailEntry[]> {
    return operator === undefined ? [] : trailEntries(operator.auditFile, action, name);
  }

  const lockOf = async (app: string) =>
    (await admin.get(APP, app, namespace)).metadata.annotations?.[LOCK_ANNOTATION];

  /** mallory writes `holder` into the Application's lock, as `kubectl annotate --overwrite` would. */
  async function forge(app: string, holder: string): Promise<void> {
    const written = await mallory.patch(
      APP,
      app,
      namespace,
      { metadata: { annotations: { [LOCK_ANNOTATION]: holder } } },
      { type: "merge" },
    );
    // What the API server stored from mallory's write (a read after it may already see the operator's answer to it).
    assert.equal(written.metadata.annotations?.[LOCK_ANNOTATION], holder, "mallory may write the annotation");
  }

  /** The release reaches Argo CD through the forged lock, which the audit entry of its lock names. */
  async function takesOver(name: string, app: string, forged: string, why: RegExp): Promise<void> {
    await syncRequested(scope(), app, SHA1, 60_000);
    assert.equal(await lockOf(app), `${namespace}/${name}`, "the release took the lock over");
    const [entry] = await waitFor(`the TargetLocked audit entry of ${name}`, async () => {
      const found = await auditOf("TargetLocked", name);
      return found.length > 0 ? found : undefined;
    });
    assert.equal(entry?.details.lockTakenFrom, forged);
    assert.match(String(entry?.details.why), why);
    await argoSyncs(admin, ref(app), { revision: SHA1 });
    await waitForEnvState(scope(), name, prod, "Verified", 60_000);
  }

  before(
    async () => {
      admin = await clientFor("admin");
      namespace = await createTestNamespace(admin, "sec-lock");
      await grantApplicationEditor(admin, namespace);
      mallory = await clientFor("mallory");
      const owns = { argoCDApplications: { namespaces: [namespace] } };
      await createEnvironment({ admin, namespace }, pre, { delivery: owns });
      await createEnvironment({ admin, namespace }, prod, { delivery: owns });
      for (const app of ["app-a", "app-b", "app-c", "app-d", "app-e", "app-other", "app-pre"]) {
        await createArgoApplication(scope(), app);
      }
      operator = startOperator(kubeconfigPath("operator"), [
        `--namespace=${namespace}`,
        "--leader-elect=false",
      ]);
      await operator.waitForLog("Started workers", { controller: "release" });
    },
    { timeout: 300_000 },
  );

  after(async () => {
    await operator?.stop();
    for (const name of [pre, prod]) await deleteIgnoringMissing(admin, resources.environment, name);
    await deleteIgnoringMissing(admin, builtin.namespace, namespace);
    mallory?.close();
    admin?.close();
  });

  it("mallory names a release that does not exist: the promotion takes the lock over at once", async () => {
    const forged = `${namespace}/ghost`;
    await forge("app-a", forged);
    await release("shop-a", "app-a", SHA1);
    await takesOver("shop-a", "app-a", forged, /no Release .*\/ghost exists/);
  });

  it("mallory names a real release that targets another object: taken over", async () => {
    await release("other", "app-other", SHA2);
    await syncRequested(scope(), "app-other", SHA2);
    const forged = `${namespace}/other`;
    await forge("app-b", forged);
    await release("shop-b", "app-b", SHA1);
    await takesOver("shop-b", "app-b", forged, /does not target this object in an environment that owns it/);
  });

  it("mallory names a release that waits at its gate for this object: taken over once the grace has passed", async () => {
    // waiting-c targets app-c in prod, but first waits in pre, whose sync nobody completes.
    await release("waiting-c", "app-c", SHA2, [pre, prod]);
    await waitForEnvState(scope(), "waiting-c", pre, "Deploying");
    const forged = `${namespace}/waiting-c`;
    await forge("app-c", forged);
    await release("shop-c", "app-c", SHA1);
    await waitFor("shop-c to wait for the lock first", async () => {
      const status = ((await admin.get(resources.release, "shop-c", namespace)).status ?? {}) as StatusView;
      const entry = envOf(status, prod);
      return entry?.state === "Gated" && entry.reasons?.some((r) => r.includes("waiting-c is deploying"))
        ? true
        : undefined;
    });
    await takesOver("shop-c", "app-c", forged, /waits at its gate there .* within 30s of the lock/);
    const status = ((await admin.get(resources.release, "waiting-c", namespace)).status ?? {}) as StatusView;
    assert.notEqual(envOf(status, prod)?.state, "Deploying", "the named release did not promote");
  });

  it("mallory names the release that delivered there before: it frees the lock itself, and the next one promotes", async () => {
    await release("done-e", "app-e", SHA2);
    await syncRequested(scope(), "app-e", SHA2);
    await argoSyncs(admin, ref("app-e"), { revision: SHA2 });
    await waitForEnvState(scope(), "done-e", prod, "Verified", 60_000);
    await waitFor("done-e to free its lock", async () =>
      (await lockOf("app-e")) === undefined ? true : undefined,
    );
    const unlocks = (await auditOf("TargetUnlocked", "done-e")).length;
    await forge("app-e", `${namespace}/done-e`);
    await waitFor("done-e to free the lock mallory put in its name", async () =>
      (await auditOf("TargetUnlocked", "done-e")).length > unlocks ? true : undefined,
    );
    await release("next-e", "app-e", SHA1);
    await syncRequested(scope(), "app-e", SHA1, 60_000);
    await argoSyncs(admin, ref("app-e"), { revision: SHA1 });
    await waitForEnvState(scope(), "next-e", prod, "Verified", 60_000);
    const [entry] = await auditOf("TargetLocked", "next-e");
    assert.equal(entry?.details.lockTakenFrom, undefined, "the lock was free when next-e took it");
  });

  it("a release whose promotion is in flight holds the target: the next release waits its turn", async () => {
    await release("first-d", "app-d", SHA2);
    await syncRequested(scope(), "app-d", SHA2);
    await release("second-d", "app-d", SHA1);
    const held = await waitFor("second-d to wait for first-d", async () => {
      const status = ((await admin.get(resources.release, "second-d", namespace)).status ?? {}) as StatusView;
      const entry = envOf(status, prod);
      return entry?.state === "Gated" && entry.reasons?.some((r) => r.includes("first-d is deploying"))
        ? entry
        : undefined;
    });
    assert.equal(held.state, "Gated");
    assert.equal(await lockOf("app-d"), `${namespace}/first-d`, "the real holder keeps its lock");
    await argoSyncs(admin, ref("app-d"), { revision: SHA2 });
    await waitForEnvState(scope(), "first-d", prod, "Verified", 60_000);
    await syncRequested(scope(), "app-d", SHA1, 60_000);
    await argoSyncs(admin, ref("app-d"), { revision: SHA1 });
    await waitForEnvState(scope(), "second-d", prod, "Verified", 60_000);
    const [entry] = await auditOf("TargetLocked", "second-d");
    assert.equal(entry?.details.lockTakenFrom, undefined, "the lock was free when second-d took it");
  });
});
