// What one promotion costs the API server (issue 12, ADR 0033): a one-stage release promoted to Verified through an
// Argo CD Application (the driver playing Argo CD), with the audit store mirroring entries as Events as the operator
// process does, counted from kube-apiserver's own audit log of the operator's identity. A control plane of its own,
// so the log holds this file's requests only.
import assert from "node:assert/strict";
import type { Informer } from "../../../src/runtime/informer/informer.js";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { openAuditStore, type AuditStore } from "../../../src/cmd/audit-store.js";
import { REPORTING_CONTROLLER } from "../../../src/cmd/run.js";
import { LOCK_ANNOTATION } from "../../../src/controllers/release/gather.js";
import { deliveryResources, resources } from "../../../src/controllers/resources.js";
import { EventRecorder } from "../../../src/runtime/events.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { silentLogger } from "../../../src/runtime/logging.js";
import { readAuditLog } from "../../support/apiserver-audit.js";
import { startAuditedCluster, type AuditedCluster } from "../../support/audited-cluster.js";
import { createEnvironment } from "../../support/controller-world.js";
import {
  createArgoApplication,
  createFluxGitRepository,
  createFluxKustomization,
} from "../../support/delivery-objects.js";
import { argoSyncs, fluxReconciles, pendingStagegateReconcile } from "../../support/gitops-driver.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";
import { serveWebhooksFor } from "../../support/namespace-webhooks.js";
import { tallyRequests, type RequestTally } from "../../support/operator-requests.js";
import {
  createRelease,
  releaseControllers,
  syncRequested,
  waitForEnvState,
} from "../../support/release-world.js";
import { runControllers, type RunningControllers } from "../../support/run-controllers.js";

const OPERATOR_USER = "stagegate-operator";
const SHA = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
/**
 * The most object writes (Events aside) one environment promotion costs, issue 12's budget: the promotion on record,
 * the lock taken with the request in one write, Verified on record, the unlock (ADRs 0033, 0037).
 */
const WRITES_PER_PROMOTION = 4;
/**
 * The facts of a promotion a person acts on, each announced by one Event at most: the delivery was requested (watch
 * it roll out) and the environment was Verified (the next stage may go). Each reason names the fact it reports;
 * the lock and its release are machinery, kept in the audit trail, and announce nothing.
 */
const FACT_OF_REASON: Record<string, string> = {
  Promoted: "promoted",
  ReleasePromoted: "promoted",
  Verified: "verified",
  EnvironmentVerified: "verified",
  Deployed: "deployed",
  EnvironmentDeployed: "deployed",
  TargetLocked: "lock",
  TargetUnlocked: "unlock",
};
const FACTS_ACTED_ON: ReadonlySet<string> = new Set(["promoted", "verified"]);

let audited: AuditedCluster | undefined;
const auditLog = (): string => {
  if (audited === undefined) throw new Error("the control plane is not started");
  return audited.auditLog;
};

before(async () => {
  // Every client of this file (the tests' and the controllers') talks to this control plane.
  audited = await startAuditedCluster("release-writes", [OPERATOR_USER]);
});

after(async () => {
  await audited?.stop();
});

/** The controllers of one namespace, with the audit store and its Event mirror the operator process opens. */
interface Promotion {
  admin: KubeClient;
  namespace: string;
  environment: string;
  running: RunningControllers;
  store: AuditStore;
  close(): Promise<void>;
}

async function startPromotionWorld(prefix: string, gate?: Record<string, unknown>): Promise<Promotion> {
  const admin = await clientFor("admin");
  const namespace = await createTestNamespace(admin, prefix);
  const environment = `${prefix}-env`;
  await createEnvironment({ admin, namespace }, environment, gate === undefined ? {} : { gate });
  const events = await clientFor("operator");
  const store = await openAuditStore(
    { auditLog: join(audited?.dir ?? tmpdir(), `${prefix}-trail.jsonl`) },
    new EventRecorder(events, REPORTING_CONTROLLER, "test", silentLogger),
    silentLogger,
    () => undefined,
  );
  // The shipped webhooks, as installed: the Release's creation carries its lock finalizer (ADR 0033).
  const webhooks = await serveWebhooksFor(admin, namespace, store);
  const running = await runControllers({ namespace, audit: store, controllers: releaseControllers() });
  return {
    admin,
    namespace,
    environment,
    running,
    store,
    async close() {
      await running.stop();
      await webhooks.stop();
      await store.close();
      events.close();
      await admin.delete(resources.environment, environment);
      await admin.delete(builtin.namespace, namespace);
      admin.close();
    },
  };
}

/** The operator's requests so far, and how many audit log events they were read from. */
async function operatorRequests(from = 0): Promise<{ tally: RequestTally; end: number }> {
  const events = await readAuditLog(auditLog());
  return { tally: tallyRequests(events, OPERATOR_USER, from), end: events.length };
}

/** The reasons of the Events about the Release, in the order they were written. */
async function releaseEventReasons(w: Promotion, release: string): Promise<string[]> {
  const page = await w.admin.list(builtin.event, { namespace: w.namespace });
  return page.items
    .filter((e) => (e as { regarding?: { kind?: string; name?: string } }).regarding?.name === release)
    .filter((e) => (e as { regarding?: { kind?: string } }).regarding?.kind === "Release")
    .map((e) => (e as { reason?: string }).reason ?? "");
}

/**
 * Waits until the release controller has reconciled the Release after an edit that changes nothing it decides from
 * (an annotation), so a reconcile with nothing to do has run: counted by the controller's reconcile metric.
 */
async function reconcileUnchanged(w: Promotion, release: string): Promise<void> {
  const reconciles = async (): Promise<number> => {
    const metric = await w.running.deps.metrics.reconcileTotal.get();
    return metric.values
      .filter((v) => v.labels.controller === "release")
      .reduce((sum, v) => sum + v.value, 0);
  };
  // Counted from before the edit: the reconcile it causes may finish before the cache is seen to hold it.
  const seen = await reconciles();
  await w.admin.patch(
    resources.release,
    release,
    w.namespace,
    { metadata: { annotations: { "example.com/poked": "yes" } } },
    { type: "merge" },
  );
  await waitFor("the operator's cache to see the edit", () =>
    w.running.informers.releases.store.get(`${w.namespace}/${release}`)?.metadata.annotations?.[
      "example.com/poked"
    ] === "yes"
      ? true
      : undefined,
  );
  await waitFor("the release controller to reconcile the edited release", async () =>
    (await reconciles()) > seen ? true : undefined,
  );
}

/**
 * Waits until the operator's cache holds the target "shop" created just before: the budget is about a promotion,
 * and a release reconciled before its target reached the cache reads it live once more (a cache miss, under load).
 */
async function targetCached(w: { namespace: string }, informer: Informer): Promise<void> {
  await waitFor("the operator's cache to see the delivery object", () =>
    informer.store.get(`${w.namespace}/shop`) === undefined ? undefined : true,
  );
}

/** Asserts the budget of one promotion, and prints the tally so a run shows where the writes went. */
function assertPromotionBudget(
  label: string,
  tally: RequestTally,
  reasons: string[],
  liveReads: number,
): void {
  console.log(
    `${label}: ${tally.objectWrites.length} object writes, ${tally.eventWrites.length} Events ` +
      `(${reasons.join(", ")}), ${liveReads} live GETs of the delivery object\n` +
      `  writes: ${tally.objectWrites.join("; ")}\n  requests: ${JSON.stringify(tally.byPermission)}`,
  );
  const accepted = tally.objectWrites.filter((w) => w.endsWith(" 200") || w.endsWith(" 201"));
  assert.ok(
    accepted.length <= WRITES_PER_PROMOTION,
    `at most ${WRITES_PER_PROMOTION} object writes per promotion, made ${accepted.length}: ` +
      tally.objectWrites.join("; "),
  );
  // Nothing is refused: a refused lock or request would be a write the gate lost, and a status write refused with
  // 409 was decided from a Release cache that lagged the operator's own previous write, which the informer now
  // takes in at once (ADR 0036).
  const refused = tally.objectWrites.filter((w) => !accepted.includes(w));
  assert.deepEqual(refused, [], "no write of a promotion is refused");
  const facts = reasons.map((r) => FACT_OF_REASON[r] ?? `unknown:${r}`);
  for (const fact of facts) {
    assert.ok(
      FACTS_ACTED_ON.has(fact),
      `an Event announced ${fact}, which nobody acts on: ${reasons.join(", ")}`,
    );
  }
  assert.equal(new Set(facts).size, facts.length, `one Event per fact: ${reasons.join(", ")}`);
  assert.ok(tally.eventWrites.length <= FACTS_ACTED_ON.size, `Events: ${tally.eventWrites.join("; ")}`);
  assert.deepEqual(
    [...facts].sort(),
    [...FACTS_ACTED_ON].sort(),
    "the promotion and the verification are announced",
  );
  assert.ok(liveReads <= 1, `one live read of the delivery object per promotion, made ${liveReads}`);
}

describe("Writes per promotion", () => {
  it("promotes a one-stage release through Argo CD within the budget, and a reconcile with nothing to do writes nothing", async () => {
    const w = await startPromotionWorld("writes-argo");
    try {
      const start = (await operatorRequests()).end;
      const { namespace } = w;
      await createArgoApplication(w, "shop");
      await targetCached(w, w.running.informers.argoCDApplications);
      await createRelease(w, "shop-1", {
        version: "1.4.0",
        revision: SHA,
        pipeline: [w.environment],
        targets: [{ environment: w.environment, argoCD: { name: "shop", namespace, revision: SHA } }],
      });
      await syncRequested(w, "shop", SHA);
      await argoSyncs(w.admin, { name: "shop", namespace }, { revision: SHA });
      await waitForEnvState(w, "shop-1", w.environment, "Verified");
      await waitFor("the lock to be released", async () => {
        const app = await w.admin.get(deliveryResources.argoCDApplication, "shop", namespace);
        return app.metadata.annotations?.[LOCK_ANNOTATION] === undefined ? true : undefined;
      });
      const promoted = await operatorRequests(start);
      const reasons = await releaseEventReasons(w, "shop-1");
      assertPromotionBudget(
        "Argo CD",
        promoted.tally,
        reasons,
        promoted.tally.gets["argoproj.io/applications"] ?? 0,
      );

      await reconcileUnchanged(w, "shop-1");
      const idle = (await operatorRequests(promoted.end)).tally;
      assert.deepEqual(idle.objectWrites, [], "a reconcile that changes nothing writes nothing");
      assert.deepEqual(idle.eventWrites, [], "a reconcile that changes nothing announces nothing");
    } finally {
      await w.close();
    }
  });

  it("promotes a one-stage release through a Flux Kustomization within the budget", async () => {
    const w = await startPromotionWorld("writes-flux");
    try {
      const start = (await operatorRequests()).end;
      const { namespace } = w;
      await createFluxGitRepository(w, "shop");
      await createFluxKustomization(w, "shop");
      await targetCached(w, w.running.informers.fluxKustomizations);
      await createRelease(w, "shop-1", {
        version: "1.4.0",
        revision: SHA,
        pipeline: [w.environment],
        targets: [{ environment: w.environment, flux: { kind: "Kustomization", name: "shop", namespace } }],
      });
      await waitFor("Stagegate's reconcile request on the Kustomization", async () => {
        const obj = await w.admin.get(deliveryResources.fluxKustomization, "shop", namespace);
        return pendingStagegateReconcile(obj) === undefined ? undefined : obj;
      });
      await fluxReconciles(w.admin, { name: "shop", namespace }, SHA);
      await waitForEnvState(w, "shop-1", w.environment, "Verified");
      await waitFor("the lock to be released", async () => {
        const obj = await w.admin.get(deliveryResources.fluxKustomization, "shop", namespace);
        return obj.metadata.annotations?.[LOCK_ANNOTATION] === undefined ? true : undefined;
      });
      const promoted = await operatorRequests(start);
      const reasons = await releaseEventReasons(w, "shop-1");
      assertPromotionBudget(
        "Flux Kustomization",
        promoted.tally,
        reasons,
        promoted.tally.gets["kustomize.toolkit.fluxcd.io/kustomizations"] ?? 0,
      );
    } finally {
      await w.close();
    }
  });
  it("records what a gate waits on without a write of its own, and a gated reconcile that changes nothing writes nothing", async () => {
    // Closed now: open on January 1st only. The release waits on the window (ADR 0053), then the window is lifted.
    const w = await startPromotionWorld("writes-gated", {
      windows: [{ name: "new-year", schedule: "0 0 1 1 *", duration: "1m", timeZone: "UTC" }],
    });
    try {
      const { namespace } = w;
      await createArgoApplication(w, "shop");
      await targetCached(w, w.running.informers.argoCDApplications);
      await createRelease(w, "shop-1", {
        version: "1.4.0",
        revision: SHA,
        pipeline: [w.environment],
        targets: [{ environment: w.environment, argoCD: { name: "shop", namespace, revision: SHA } }],
      });
      await waitForEnvState(w, "shop-1", w.environment, "Gated");
      // The trail the store writes (startPromotionWorld names it after the prefix).
      const waits = () =>
        readFileSync(join(audited?.dir ?? tmpdir(), "writes-gated-trail.jsonl"), "utf8")
          .split("\n")
          .filter((line) => line.includes('"GateWaitChanged"'))
          .map((line) => JSON.parse(line) as { details: { categories: string[] } });
      await waitFor("the wait on the window on record", () => (waits().length === 1 ? true : undefined));
      assert.deepEqual(waits()[0]?.details.categories, ["window"]);
      const gated = (await operatorRequests()).end;
      await reconcileUnchanged(w, "shop-1");
      const idle = (await operatorRequests(gated)).tally;
      assert.deepEqual(idle.objectWrites, [], "a gated reconcile that changes nothing writes nothing");
      assert.deepEqual(idle.eventWrites, [], "a gated reconcile that changes nothing announces nothing");

      // The window is lifted: the gate opens (its own GateWaitChanged), and the promotion keeps to its budget.
      await w.admin.patch(
        resources.environment,
        w.environment,
        undefined,
        { spec: { gate: { windows: [] } } },
        { type: "merge" },
      );
      await syncRequested(w, "shop", SHA);
      await argoSyncs(w.admin, { name: "shop", namespace }, { revision: SHA });
      await waitForEnvState(w, "shop-1", w.environment, "Verified");
      await waitFor("the lock to be released", async () => {
        const app = await w.admin.get(deliveryResources.argoCDApplication, "shop", namespace);
        return app.metadata.annotations?.[LOCK_ANNOTATION] === undefined ? true : undefined;
      });
      const promoted = await operatorRequests(gated);
      const reasons = (await releaseEventReasons(w, "shop-1")).filter((r) => r !== "Gated");
      assertPromotionBudget(
        "Argo CD, gated",
        promoted.tally,
        reasons,
        promoted.tally.gets["argoproj.io/applications"] ?? 0,
      );
      assert.deepEqual(
        waits().map((e) => e.details.categories),
        [["window"], []],
        "the wait and the gate opening, each once",
      );
      assert.ok(
        !(await releaseEventReasons(w, "shop-1")).includes("GateWaitChanged"),
        "no Event for a change of what the gate waits on",
      );
    } finally {
      await w.close();
    }
  });
});
