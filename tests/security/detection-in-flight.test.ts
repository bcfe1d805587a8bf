// Issue 9, class 7: out-of-band detection also runs while a deployment is in flight, and a lock silences nothing.
// Against the real API server and RBAC, with the operator as its own process and the driver playing Argo CD and Flux
// (the test runs each sync by hand, so a promotion stays in flight as long as the attempt needs). mallory holds only
// edit on Argo CD Applications and on Flux GitRepositories: she replaces the sync Stagegate asked for with her own
// revision, syncs back to a revision promoted there before, edits the Application's source mid-flight, names a
// release that waits at the gate in a forged `stagegate.io/locked-by` to hide a hand sync, syncs an Application
// Stagegate pins (`PinTargetRevision`) back to the revision promoted there before while the operator is down (so the
// sync runs and finishes between two passes), and moves the commit a Kustomization's GitRepository is pinned to back
// to the revision promoted there before. Each attempt asserts the UnapprovedDeployment condition naming it and the
// fix, that the operator did not write the object (resourceVersion), and the audit entry. The legit paths: releases
// promoted while Argo CD and Flux deliver at once raise nothing (a status records the promotion before the tool is
// asked), nor does a pinned release while Argo CD has not caught up with the pin.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { LOCK_ANNOTATION } from "../../src/controllers/release/gather.js";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import { fluxGitRepository } from "../../src/gitops/flux.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin, type ResourceType } from "../../src/runtime/kube/resource.js";
import { kubeconfigPath } from "../support/cluster.js";
import { createEnvironment, deleteIgnoringMissing, type StatusView } from "../support/controller-world.js";
import {
  createArgoApplication,
  createFluxGitRepository,
  createFluxKustomization,
} from "../support/delivery-objects.js";
import { startGitOpsStandIn } from "../support/e2e-gitops-stand-in.js";
import {
  argoRunsRequestedSync,
  argoSyncs,
  fluxReconciles,
  pendingStagegateReconcile,
} from "../support/gitops-driver.js";
import { clientFor, createTestNamespace, waitFor } from "../support/kube.js";
import { startOperator, type OperatorProcess } from "../support/operator-process.js";
import { createRelease, envOf, syncRequested, waitForEnvState } from "../support/release-world.js";
import { grantApplicationEditor, grantRole, trailEntries } from "./rollback-evidence-support.js";

const SHA1 = "1d1d1d1d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const SHA2 = "2e2e2e2e9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const SHA3 = "3f3f3f3f9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const APP = deliveryResources.argoCDApplication;
const KUSTOMIZATION = deliveryResources.fluxKustomization;
const hex = (bytes: number): string => randomBytes(bytes).toString("hex");

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

describe("Class 7: out-of-band detection while a deployment is in flight", () => {
  let admin: KubeClient;
  let mallory: KubeClient;
  let namespace: string;
  let operator: OperatorProcess | undefined;
  const prod = `prod-infl-${hex(3)}`;
  /** Owns only the Applications labelled for it; a freeze holds its releases at the gate once k1 is Verified. */
  const frozen = `prodk-infl-${hex(3)}`;
  const environments = [prod, frozen];
  const scope = () => ({ admin, namespace });
  const ref = (name: string) => ({ name, namespace });

  /** Creates an Application labelled for `stage` (the Environment that owns it). */
  async function application(name: string, stage: string): Promise<void> {
    await createArgoApplication(scope(), name);
    await admin.patch(APP, name, namespace, { metadata: { labels: { stage } } }, { type: "merge" });
  }

  function release(
    name: string,
    app: string,
    sha: string,
    environment = prod,
    mode: "Sync" | "PinTargetRevision" = "Sync",
  ) {
    return createRelease(scope(), name, {
      version: name,
      revision: sha,
      pipeline: [environment],
      targets: [{ environment, argoCD: { name: app, namespace, revision: sha, mode } }],
      rollbackPolicy: { mode: "Manual" },
    });
  }

  /** A release of `sha` through the Kustomization `kustomization` (its GitRepository is named the same). */
  function fluxRelease(name: string, kustomization: string, sha: string) {
    return createRelease(scope(), name, {
      version: name,
      revision: sha,
      pipeline: [prod],
      targets: [
        { environment: prod, flux: { kind: "Kustomization", name: kustomization, namespace, revision: sha } },
      ],
      rollbackPolicy: { mode: "Manual" },
    });
  }

  /** Waits until Stagegate pinned the GitRepository to `sha` and asked for the Kustomization's reconciliation. */
  function fluxRequested(kustomization: string, sha: string): Promise<true> {
    return waitFor(`${kustomization} to be pinned to ${sha} and asked to reconcile`, async () => {
      const repo = await admin.get(fluxGitRepository, kustomization, namespace);
      const commit = (repo.spec as { ref?: { commit?: string } }).ref?.commit;
      const ks = await admin.get(KUSTOMIZATION, kustomization, namespace);
      return commit === sha && pendingStagegateReconcile(ks) === sha ? true : undefined;
    });
  }

  /** Waits until Stagegate pinned the Application's targetRevision to `sha`. */
  function pinned(app: string, sha: string): Promise<true> {
    return waitFor(`${app} to be pinned to ${sha}`, async () => {
      const obj = await admin.get(APP, app, namespace);
      const pin = (obj.spec as { source?: { targetRevision?: string } }).source?.targetRevision;
      return pin === sha ? true : undefined;
    });
  }

  /**
   * Waits until `name` asked the tool: its status shows it Deploying and the target's lock names it, which the
   * operator writes in the same write as the request (ADR 0037).
   */
  function asked(name: string, rt: ResourceType, target: string): Promise<true> {
    return waitFor(`${name} to ask the delivery tool, taking the lock with the request`, async () => {
      const [release, obj] = await Promise.all([
        admin.get(resources.release, name, namespace),
        admin.get(rt, target, namespace),
      ]);
      const entry = envOf((release.status ?? {}) as StatusView, prod) as { state?: string } | undefined;
      const lock = obj.metadata.annotations?.[LOCK_ANNOTATION];
      return entry?.state === "Deploying" && lock === `${namespace}/${name}` ? true : undefined;
    });
  }

  /** The operator as its own process, watching this test's namespace. */
  async function startTheOperator(): Promise<OperatorProcess> {
    const started = startOperator(kubeconfigPath("operator"), [
      `--namespace=${namespace}`,
      "--leader-elect=false",
    ]);
    await started.waitForLog("Started workers", { controller: "release" });
    return started;
  }

  /** A release promoted and Verified on `app`, the test playing Argo CD. */
  async function verified(name: string, app: string, sha: string, environment = prod): Promise<void> {
    await release(name, app, sha, environment);
    await syncRequested(scope(), app, sha);
    await argoSyncs(admin, ref(app), { revision: sha });
    await waitForEnvState(scope(), name, environment, "Verified", 60_000);
  }

  /** Creates `name` at SHA2 on `app` and waits until its sync is asked for and its status says so (in flight). */
  async function inFlight(name: string, app: string): Promise<void> {
    await release(name, app, SHA2);
    await syncRequested(scope(), app, SHA2);
    await asked(name, APP, app);
  }

  function conditionOf(name: string): Promise<Condition | undefined> {
    return admin
      .get(resources.release, name, namespace)
      .then((r) => (r.status as { conditions?: Condition[] } | undefined)?.conditions)
      .then((cs) => cs?.find((c) => c.type === "UnapprovedDeployment"));
  }

  /** Waits for `name`'s UnapprovedDeployment condition to be True and to match `pattern`. */
  function reported(name: string, pattern: RegExp): Promise<Condition> {
    return waitFor(`${name} to report an UnapprovedDeployment matching ${pattern}`, async () => {
      const found = await conditionOf(name);
      return found?.status === "True" && pattern.test(found.message) ? found : undefined;
    });
  }

  async function auditOf(action: string, name: string): Promise<{ details: Record<string, unknown> }[]> {
    return operator === undefined ? [] : trailEntries(operator.auditFile, action, name);
  }

  const resourceVersion = async (app: string) =>
    (await admin.get(APP, app, namespace)).metadata.resourceVersion;

  /** mallory replaces the sync Stagegate asked for (`argocd app sync --revision`), and Argo CD runs hers. */
  async function handSyncOver(app: string, revision: string): Promise<string | undefined> {
    await mallory.patch(
      APP,
      app,
      namespace,
      { operation: { sync: { revision }, initiatedBy: { username: "mallory" } } },
      { type: "merge" },
    );
    await argoSyncs(admin, ref(app), { revision });
    return resourceVersion(app);
  }

  /** The finding is on record: one audit entry naming the deployment, made while the release was in flight. */
  async function assertAudited(name: string, running: string, inFlightFinding: boolean): Promise<void> {
    const entries = await waitFor(`the UnapprovedDeployment audit entry of ${name}`, async () => {
      const found = await auditOf("UnapprovedDeployment", name);
      return found.length > 0 ? found : undefined;
    });
    const deployments = entries[0]?.details.deployments as { running: string; inFlight?: boolean }[];
    assert.equal(deployments[0]?.running, running);
    assert.equal(deployments[0]?.inFlight === true, inFlightFinding);
  }

  before(
    async () => {
      admin = await clientFor("admin");
      namespace = await createTestNamespace(admin, "sec-inflight");
      await grantApplicationEditor(admin, namespace);
      await grantRole(admin, namespace, "flux-source-editor", ["mallory"], {
        apiGroups: ["source.toolkit.fluxcd.io"],
        resources: ["gitrepositories"],
        verbs: ["get", "list", "watch", "patch", "update"],
      });
      mallory = await clientFor("mallory");
      const owns = (stage: string) => ({
        argoCDApplications: { namespaces: [namespace], matchLabels: { stage } },
      });
      await createEnvironment({ admin, namespace }, prod, {
        delivery: { ...owns("prod"), fluxKustomizations: { namespaces: [namespace] } },
      });
      await createEnvironment({ admin, namespace }, frozen, { delivery: owns("k") });
      operator = await startTheOperator();
      for (const app of ["app-f", "app-g", "app-h", "app-l", "app-p", "app-r"])
        await application(app, "prod");
      await application("app-k", "k");
      for (const name of ["ks-q", "ks-m"]) {
        await createFluxGitRepository(scope(), name);
        await createFluxKustomization(scope(), name);
      }
      await verified("shop-f1", "app-f", SHA1);
      await verified("shop-g1", "app-g", SHA1);
      await verified("shop-h1", "app-h", SHA1);
      await verified("shop-r1", "app-r", SHA1);
      await verified("shop-k1", "app-k", SHA1, frozen);
      // Pinned: Stagegate pins targetRevision, Argo CD's auto-sync follows the pin.
      await release("shop-p1", "app-p", SHA1, prod, "PinTargetRevision");
      await pinned("app-p", SHA1);
      await argoSyncs(admin, ref("app-p"), { revision: SHA1, initiatedBy: { automated: true } });
      await waitForEnvState(scope(), "shop-p1", prod, "Verified", 60_000);
      // Flux: Stagegate pins the GitRepository's commit, kustomize-controller applies what source-controller fetched.
      await fluxRelease("shop-q1", "ks-q", SHA1);
      await fluxRequested("ks-q", SHA1);
      await fluxReconciles(admin, ref("ks-q"), SHA1);
      await waitForEnvState(scope(), "shop-q1", prod, "Verified", 60_000);
      // From now on every release of `frozen` waits at its gate.
      const now = Date.now();
      const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
      await admin.patch(
        resources.environment,
        frozen,
        undefined,
        {
          spec: {
            gate: { freezes: [{ name: "hold", start: iso(now - 3_600_000), end: iso(now + 86_400_000) }] },
          },
        },
        { type: "merge" },
      );
    },
    { timeout: 300_000 },
  );

  after(async () => {
    await operator?.stop();
    for (const name of environments) await deleteIgnoringMissing(admin, resources.environment, name);
    await deleteIgnoringMissing(admin, builtin.namespace, namespace);
    mallory?.close();
    admin?.close();
  });

  it("mallory replaces the sync of a release in flight with her own revision: reported by that release", async () => {
    await inFlight("shop-f2", "app-f");
    assert.equal(await conditionOf("shop-f2"), undefined, "its own promotion in flight raises nothing");
    assert.equal(await conditionOf("shop-f1"), undefined, "nor does it on the release it replaces");
    const rv = await handSyncOver("app-f", SHA3);
    const found = await reported(
      "shop-f2",
      new RegExp(`deploy revision ${SHA3} while this release was promoting`),
    );
    assert.equal(found.reason, "UnapprovedRevision");
    assert.match(found.message, /put it back, or promote that revision through a Release/);
    assert.equal(await resourceVersion("app-f"), rv, "the operator did not write the Application");
    await assertAudited("shop-f2", SHA3, true);
    const status = ((await admin.get(resources.release, "shop-f2", namespace)).status ?? {}) as StatusView;
    assert.equal(envOf(status, prod)?.state, "Deploying", "the promotion does not pass for delivered");
  });

  it("mallory syncs back to a revision promoted there before, while a release is in flight: reported", async () => {
    await inFlight("shop-g2", "app-g");
    const rv = await handSyncOver("app-g", SHA1);
    await reported("shop-g2", new RegExp(`deploy revision ${SHA1} while this release was promoting ${SHA2}`));
    assert.equal(await resourceVersion("app-g"), rv, "the operator did not write the Application");
    await assertAudited("shop-g2", SHA1, true);
  });

  it("mallory removes the lock of a release in flight and syncs back to a revision promoted there before: reported", async () => {
    await inFlight("shop-r2", "app-r");
    // The lock is the proof the request was made (ADR 0037): without it the release asks again, and the sync she ran
    // must still be reported, from the operation the tool ran since the promotion was recorded.
    await mallory.patch(
      APP,
      "app-r",
      namespace,
      {
        metadata: { annotations: { [LOCK_ANNOTATION]: null } },
        operation: { sync: { revision: SHA1 }, initiatedBy: { username: "mallory" } },
      },
      { type: "merge" },
    );
    await argoSyncs(admin, ref("app-r"), { revision: SHA1 });
    await reported("shop-r2", new RegExp(`deploy revision ${SHA1} while this release was promoting ${SHA2}`));
    await assertAudited("shop-r2", SHA1, true);
  });

  it("mallory changes the Application's source path while a release is in flight: reported", async () => {
    await inFlight("shop-h2", "app-h");
    await mallory.patch(
      APP,
      "app-h",
      namespace,
      { spec: { source: { path: "deploy-mallory" } } },
      { type: "merge" },
    );
    const rv = await resourceVersion("app-h");
    await reported(
      "shop-h2",
      new RegExp(
        "what it is told to deploy around the revision \\(repository, path, chart, values or destination\\) " +
          `changed while this release was promoting ${SHA2}`,
      ),
    );
    assert.equal(await resourceVersion("app-h"), rv, "the operator did not write the Application");
    const [entry] = await waitFor("the audit entry", async () => {
      const found = await auditOf("UnapprovedDeployment", "shop-h2");
      return found.length > 0 ? found : undefined;
    });
    const deployments = entry?.details.deployments as { sourceChanged?: boolean; inFlight?: boolean }[];
    assert.deepEqual([deployments[0]?.sourceChanged, deployments[0]?.inFlight], [true, true]);
  });

  it("mallory names a release that waits at the gate in a forged lock to hide a hand sync of its revision", async () => {
    await release("shop-k2", "app-k", SHA2, frozen);
    await waitForEnvState(scope(), "shop-k2", frozen, "Gated");
    await mallory.patch(
      APP,
      "app-k",
      namespace,
      { metadata: { annotations: { [LOCK_ANNOTATION]: `${namespace}/shop-k2` } } },
      { type: "merge" },
    );
    const rv = await handSyncOver("app-k", SHA2);
    const found = await reported(
      "shop-k1",
      new RegExp(`runs revision ${SHA2}, which no approved release authorised`),
    );
    assert.match(found.message, /roll it back, or promote that revision through a Release/);
    assert.equal(await resourceVersion("app-k"), rv, "the operator did not write the Application");
    await assertAudited("shop-k1", SHA2, false);
    const status = ((await admin.get(resources.release, "shop-k2", namespace)).status ?? {}) as StatusView;
    assert.equal(envOf(status, frozen)?.state, "Gated", "the named release still waits at its gate");
  });

  it("mallory syncs a pinned Application back to a revision promoted there before, finished between two passes", async () => {
    await release("shop-p2", "app-p", SHA2, prod, "PinTargetRevision");
    await pinned("app-p", SHA2);
    await asked("shop-p2", APP, "app-p");
    assert.equal(
      await conditionOf("shop-p2"),
      undefined,
      "Argo CD not caught up with the pin yet raises nothing",
    );
    // The operator is down while her sync is asked for and runs: no pass sees it pending.
    await operator?.stop();
    operator = undefined;
    await mallory.patch(
      APP,
      "app-p",
      namespace,
      { operation: { sync: { revision: SHA1 }, initiatedBy: { username: "mallory" } } },
      { type: "merge" },
    );
    assert.equal(await argoRunsRequestedSync(admin, ref("app-p")), SHA1);
    const rv = await resourceVersion("app-p");
    operator = await startTheOperator();
    const found = await reported(
      "shop-p2",
      new RegExp(`deploy revision ${SHA1} while this release was promoting ${SHA2}`),
    );
    assert.match(found.message, /put it back, or promote that revision through a Release/);
    assert.equal(await resourceVersion("app-p"), rv, "the operator did not write the Application");
    await assertAudited("shop-p2", SHA1, true);
    const status = ((await admin.get(resources.release, "shop-p2", namespace)).status ?? {}) as StatusView;
    assert.equal(envOf(status, prod)?.state, "Deploying", "the promotion does not pass for delivered");
  });

  it("mallory, with edit on Flux sources, pins a GitRepository back to a revision promoted there before", async () => {
    await fluxRelease("shop-q2", "ks-q", SHA2);
    await fluxRequested("ks-q", SHA2);
    await asked("shop-q2", deliveryResources.fluxKustomization, "ks-q");
    assert.equal(await conditionOf("shop-q2"), undefined, "its own promotion in flight raises nothing");
    assert.equal(await conditionOf("shop-q1"), undefined, "nor does it on the release it replaces");
    await mallory.patch(
      fluxGitRepository,
      "ks-q",
      namespace,
      { spec: { ref: { commit: SHA1 } } },
      { type: "merge" },
    );
    const rv = (await admin.get(fluxGitRepository, "ks-q", namespace)).metadata.resourceVersion;
    // source-controller fetches the commit now pinned; kustomize-controller applies it.
    await fluxReconciles(admin, ref("ks-q"), SHA1);
    const found = await reported(
      "shop-q2",
      new RegExp(
        `Flux Kustomization ${namespace}/ks-q \\(${prod}\\) was made to deploy revision ${SHA1} while this ` +
          `release was promoting ${SHA2}`,
      ),
    );
    assert.match(found.message, /put it back, or promote that revision through a Release/);
    assert.equal(
      (await admin.get(fluxGitRepository, "ks-q", namespace)).metadata.resourceVersion,
      rv,
      "the operator did not write the GitRepository",
    );
    await assertAudited("shop-q2", SHA1, true);
    const status = ((await admin.get(resources.release, "shop-q2", namespace)).status ?? {}) as StatusView;
    assert.equal(envOf(status, prod)?.state, "Deploying", "the promotion does not pass for delivered");
  });

  it("releases promoted while Argo CD and Flux deliver at once raise nothing on them or on those they replace", async () => {
    const gitops = startGitOpsStandIn(admin, namespace, {
      held: ["app-f", "app-g", "app-h", "app-k", "app-p", "app-r", "ks-q"],
    });
    try {
      await release("shop-l1", "app-l", SHA1);
      await fluxRelease("shop-m1", "ks-m", SHA1);
      await waitForEnvState(scope(), "shop-l1", prod, "Verified", 60_000);
      await waitForEnvState(scope(), "shop-m1", prod, "Verified", 60_000);
      await release("shop-l2", "app-l", SHA2);
      await fluxRelease("shop-m2", "ks-m", SHA2);
      await waitForEnvState(scope(), "shop-l2", prod, "Verified", 60_000);
      await waitForEnvState(scope(), "shop-m2", prod, "Verified", 60_000);
      for (const [rt, name] of [
        [APP, "app-l"],
        [KUSTOMIZATION, "ks-m"],
      ] as const) {
        await waitFor(`the lock of ${name} to be freed`, async () =>
          (await admin.get(rt, name, namespace)).metadata.annotations?.[LOCK_ANNOTATION] === undefined
            ? true
            : undefined,
        );
      }
    } finally {
      await gitops.stop();
    }
    assert.deepEqual(
      gitops.completed.filter((c) => c.startsWith("argo ")),
      [`argo app-l ${SHA1}`, `argo app-l ${SHA2}`],
    );
    assert.deepEqual(
      gitops.completed.filter((c) => c.startsWith("flux ")),
      [`flux ks-m ${SHA1}`, `flux ks-m ${SHA2}`],
    );
    for (const name of ["shop-l1", "shop-l2", "shop-m1", "shop-m2"]) {
      assert.equal(await conditionOf(name), undefined, `${name} saw no unapproved deployment`);
      assert.deepEqual(await auditOf("UnapprovedDeployment", name), []);
    }
  });
});
