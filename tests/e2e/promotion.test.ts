// End to end: the operator as its own process (the `operator` identity, its admission webhooks registered), real
// RBAC for every person, the `stagegate` CLI, and Argo CD and Flux played by the driver. Release A (Argo CD) and
// Release B (Flux) go dev -> test -> staging -> prod, held at each gate until its tasks are done by their owners and
// its approvals are in; C contends with A for one Application; a hand sync around the gate is caught; D's failed
// sync fails its environment; and the audit trail tells all of it, in order, with an intact chain.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ChangeRequestStatus } from "../../src/api/v1alpha1/change-request.js";
import { ApprovalSpec, ApprovalStatus } from "../../src/api/v1alpha1/approval.js";
import { DeploymentTaskSpec, DeploymentTaskStatus } from "../../src/api/v1alpha1/deployment-task.js";
import type { ReleaseEnvironmentStatus } from "../../src/api/v1alpha1/release.js";
import { formatVerification } from "../../src/audit/verification.js";
import { verifyAuditFile } from "../../src/audit/verify.js";
import { LOCK_ANNOTATION } from "../../src/controllers/release/gather.js";
import { releaseKey } from "../../src/controllers/release/names.js";
import { gateNames } from "../support/gate-names.js";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import { fluxGitRepository } from "../../src/gitops/flux.js";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { startE2eOperator, scrapeMetric, type E2eOperator } from "../support/e2e-operator.js";
import { startGitOpsStandIn, type GitOpsStandIn } from "../support/e2e-gitops-stand-in.js";
import { argoFails, handSync, pendingStagegateSync } from "../support/gitops-driver.js";
import { clientFor, createTestNamespace, waitFor } from "../support/kube.js";
import { gateChecks, type GateChecks } from "./promotion-checks.js";
import { checkInsights, checkTaskInsights } from "./promotion-insights.js";
import { checkDashboardMetrics, metricNames } from "./grafana-dashboard-check.js";
import { changeSteps, promotionSteps, readAuditEntries, seqOf, verifiedSteps } from "./promotion-audit.js";
import {
  approveWithCli,
  approveWithKubectl,
  completeChecklist,
  said,
  stagegateAs,
} from "./promotion-people.js";
import {
  commitId,
  createApplication,
  createKustomization,
  createRelease,
  createStages,
  envOf,
  readTargetObject,
  releaseStatus,
  STEP_TIMEOUT_MS,
  waitForEnvironment,
  waitForState,
  type ReleasePlan,
  type Stages,
} from "./promotion-world.js";

const suffix = randomBytes(3).toString("hex");
const stages: Stages = {
  dev: `e2e-${suffix}-dev`,
  test: `e2e-${suffix}-test`,
  staging: `e2e-${suffix}-staging`,
  prod: `e2e-${suffix}-prod`,
};
const PIPELINE = [stages.dev, stages.test, stages.staging, stages.prod];
const perStage = (prefix: string) =>
  Object.fromEntries(PIPELINE.map((env, i) => [env, `${prefix}-${["dev", "test", "staging", "prod"][i]}`]));

/** A on Argo CD; its dev Application `shop-dev` is shared with C. */
const A: ReleasePlan = {
  name: "shop-a",
  revision: commitId(),
  pipeline: PIPELINE,
  tool: "argoCD",
  objects: { ...perStage("shop-a"), [stages.dev]: "shop-dev" },
};
/** B on Flux Kustomizations, each with its own GitRepository. */
const B: ReleasePlan = {
  name: "payments-b",
  revision: commitId(),
  pipeline: PIPELINE,
  tool: "flux",
  objects: perStage("payments"),
};
const C: ReleasePlan = {
  name: "shop-c",
  revision: commitId(),
  pipeline: [stages.dev],
  tool: "argoCD",
  objects: { [stages.dev]: "shop-dev" },
};
const D: ReleasePlan = {
  name: "shop-d",
  revision: commitId(),
  pipeline: [stages.dev, stages.test],
  tool: "argoCD",
  objects: { [stages.dev]: "shop-d-dev", [stages.test]: "shop-d-test" },
};
/** A revision no release promoted, synced by hand. */
const ROGUE = commitId();

describe("governed promotion end to end: operator process, webhooks, RBAC, CLI, Argo CD and Flux", () => {
  let admin: KubeClient;
  let ns = "";
  let operator: E2eOperator | undefined;
  let standIn: GitOpsStandIn | undefined;
  const stagesCreated: string[] = [];

  before(async () => {
    admin = await clientFor("admin");
    ns = await createTestNamespace(admin, "e2e-promotion");
    operator = await startE2eOperator(admin, ns);
    stagesCreated.push(...PIPELINE);
    await createStages(admin, stages, ns);
    for (const name of [...Object.values(A.objects), ...Object.values(D.objects)]) {
      await createApplication(admin, ns, name);
    }
    for (const name of Object.values(B.objects)) await createKustomization(admin, ns, name);
    // shop-dev stays held until C has been seen waiting for A's lock; shop-d-dev is failed by hand.
    standIn = startGitOpsStandIn(admin, ns, { held: ["shop-dev", "shop-d-dev"] });
  });

  after(async () => {
    // Each step runs even when an earlier one failed, so a broken run leaves nothing behind that it can remove.
    const steps: (() => Promise<unknown>)[] = [
      async () => standIn?.stop(),
      async () => operator?.stop(),
      ...stagesCreated.map((name) => () => admin.delete(resources.environment, name)),
      async () => (ns === "" ? undefined : admin.delete(builtin.namespace, ns)),
    ];
    const failures: string[] = [];
    for (const step of steps) {
      await step().catch((err: unknown) => {
        if (!isNotFound(err)) failures.push((err as Error).message);
      });
    }
    admin?.close();
    assert.deepEqual(failures, [], "clean-up failed");
  });

  const op = (): E2eOperator => {
    if (operator === undefined) throw new Error("the operator did not start");
    return operator;
  };

  const checks = (): GateChecks => gateChecks(admin, ns);

  it("dev (no gate): promotes A and B at once; C waits for A's lock on shop-dev and deploys after it", async (t) => {
    t.diagnostic(`operator log: ${op().process.logFile}`);
    await createRelease(admin, ns, A);
    await createRelease(admin, ns, B);
    const requested = await waitFor(
      "shop-dev to be locked by A with A's sync requested",
      async () => {
        const app = await admin.get(deliveryResources.argoCDApplication, "shop-dev", ns);
        const locked = app.metadata.annotations?.[LOCK_ANNOTATION] === releaseKey(ns, A.name);
        return locked && pendingStagegateSync(app) === A.revision ? app : undefined;
      },
      { timeoutMs: STEP_TIMEOUT_MS },
    );
    assert.ok(requested);
    await waitForState(admin, ns, A.name, stages.dev, "Deploying");
    await waitForState(admin, ns, B.name, stages.dev, "Verified");

    await createRelease(admin, ns, C);
    const lockedOut = new RegExp(`^Release ${ns}/${A.name} is deploying to the same target`);
    await checks().waitGated(C, stages.dev, [lockedOut]);
    const held = await admin.get(deliveryResources.argoCDApplication, "shop-dev", ns);
    assert.equal(pendingStagegateSync(held), A.revision, "C did not touch A's pending sync");
    assert.equal(held.metadata.annotations?.[LOCK_ANNOTATION], releaseKey(ns, A.name));

    standIn?.release("shop-dev");
    await waitForState(admin, ns, A.name, stages.dev, "Verified");
    await waitForState(admin, ns, C.name, stages.dev, "Verified");
    const app = await admin.get(deliveryResources.argoCDApplication, "shop-dev", ns);
    const history = (app.status as { history: { revision: string; initiatedBy: { username: string } }[] })
      .history;
    assert.deepEqual(
      history.map((h) => [h.revision, h.initiatedBy.username]),
      [
        [A.revision, "stagegate"],
        [C.revision, "stagegate"],
      ],
      "A deployed first, then C",
    );
    // The lock is freed by the pass that sees Verified stored, one after the pass that wrote it.
    await waitFor(
      "C to release the lock on shop-dev",
      async () => {
        const now = await admin.get(deliveryResources.argoCDApplication, "shop-dev", ns);
        return now.metadata.annotations?.[LOCK_ANNOTATION] === undefined ? true : undefined;
      },
      { timeoutMs: STEP_TIMEOUT_MS },
    );
  });

  it("test: gated on SecurityScan until bob, its owner, completes it with evidence", async () => {
    for (const plan of [A, B]) {
      const scan = (await gateNames(admin, ns, plan.name)).check(stages.test, "SecurityScan");
      await checks().waitGated(plan, stages.test, [
        new RegExp(`^Required checks are not done: waiting for ${scan} `),
      ]);
      await checks().assertNotRequested(plan, stages.test);
      assert.deepEqual(await checks().taskOwners(scan), ["User:bob"]);
    }
    const scanA = (await gateNames(admin, ns, A.name)).check(stages.test, "SecurityScan");
    const refused = await completeChecklist(admin, "mallory", ns, scanA);
    assert.notEqual(refused.code, 0, said(refused));
    assert.match(refused.stderr, /forbidden/i);

    // Done without the evidence a scan needs does not count: the task stays open and the gate shut.
    const bare = await completeChecklist(admin, "bob", ns, scanA, { withEvidence: false });
    assert.equal(bare.code, 0, said(bare));
    await waitFor(
      `${scanA} to report its missing evidence`,
      async () => {
        const obj = await admin.get(resources.deploymentTask, scanA, ns);
        const status = DeploymentTaskStatus.parse(obj.status ?? {});
        const current = status.observedGeneration === obj.metadata.generation;
        const missing = status.conditions?.some((c) => /no evidence attached/.test(c.message));
        return current && missing === true && status.progress === "0/2" ? status : undefined;
      },
      { timeoutMs: STEP_TIMEOUT_MS },
    );
    await checks().waitGated(A, stages.test, [/^Required checks are not done/]);
    await checks().assertNotRequested(A, stages.test);

    for (const plan of [A, B]) {
      const done = await completeChecklist(
        admin,
        "bob",
        ns,
        (await gateNames(admin, ns, plan.name)).check(stages.test, "SecurityScan"),
      );
      assert.equal(done.code, 0, said(done));
    }
    // The admission webhook stamped who completed each item from bob's credentials.
    const stamped = DeploymentTaskSpec.parse((await admin.get(resources.deploymentTask, scanA, ns)).spec);
    assert.deepEqual(
      stamped.checklist.map((item) => [item.name, item.completedBy, item.completedAt !== undefined]),
      stamped.checklist.map((item) => [item.name, "bob", true]),
    );
    for (const plan of [A, B]) await waitForState(admin, ns, plan.name, stages.test, "Verified");
  });

  it("staging: gated on readiness, UAT and a change until erin, bob and alice have done their part", async () => {
    for (const plan of [A, B]) {
      const readiness = (await gateNames(admin, ns, plan.name)).check(stages.staging, "EnvironmentReadiness");
      const uat = (await gateNames(admin, ns, plan.name)).check(stages.staging, "UserAcceptance");
      const change = (await gateNames(admin, ns, plan.name)).change(stages.staging);
      await checks().waitGated(plan, stages.staging, [
        new RegExp(`^Required checks are not done: waiting for (${readiness}; ${uat}|${uat}; ${readiness}) `),
        new RegExp(`^ChangeRequest ${change} is .*not approved`),
      ]);
      await checks().assertNotRequested(plan, stages.staging);
      assert.deepEqual(await checks().taskOwners(readiness), ["User:erin"]);
      assert.deepEqual(await checks().taskOwners(uat), ["User:bob"]);
      const ready = await completeChecklist(admin, "erin", ns, readiness, { withEvidence: false });
      assert.equal(ready.code, 0, said(ready));
      const accepted = await completeChecklist(admin, "bob", ns, uat);
      assert.equal(accepted.code, 0, said(accepted));
    }
    for (const plan of [A, B]) {
      const change = (await gateNames(admin, ns, plan.name)).change(stages.staging);
      await checks().waitGated(plan, stages.staging, [
        new RegExp(`^ChangeRequest ${change} is .*not approved`),
      ]);
      await checks().assertNotRequested(plan, stages.staging);
      const decided = await approveWithKubectl(
        "alice",
        "alice",
        ns,
        await checks().approvalOf(change),
        "UAT signed off.",
      );
      assert.equal(decided.code, 0, said(decided));
    }
    for (const plan of [A, B]) {
      await waitForState(admin, ns, plan.name, stages.staging, "Verified");
      const change = (await gateNames(admin, ns, plan.name)).change(stages.staging);
      const status = ChangeRequestStatus.parse((await admin.get(resources.changeRequest, change, ns)).status);
      assert.deepEqual([status.resolution, status.resolvedBy], ["Approved", "alice"]);
      assert.ok(status.usedAt !== undefined, `${change} is marked used`);
    }
  });

  it("prod: grace (a commit author) is refused; alice and carol approve with the CLI; then it deploys", async () => {
    const changes = new Map<ReleasePlan, string>();
    for (const plan of [A, B]) {
      const change = (await gateNames(admin, ns, plan.name)).change(stages.prod);
      changes.set(plan, change);
      await checks().waitGated(plan, stages.prod, [new RegExp(`^ChangeRequest ${change} is .*not approved`)]);
      await checks().assertNotRequested(plan, stages.prod);
      const approval = await checks().approvalOf(change);
      const spec = ApprovalSpec.parse((await admin.get(resources.approval, approval, ns)).spec);
      assert.equal(spec.required, 2);
      assert.ok(
        spec.excluded.some((x) => x.user === "grace@example.com"),
        JSON.stringify(spec.excluded),
      );
    }
    const changeA = changes.get(A) ?? "";
    const grace = await approveWithCli("grace", ns, changeA, "Looks good to me.");
    assert.notEqual(grace.code, 0, said(grace));
    assert.match(grace.stderr, /SeparationOfDuties/);

    for (const plan of [A, B]) {
      const change = changes.get(plan) ?? "";
      const alice = await approveWithCli("alice", ns, change, "Staging evidence reviewed.");
      assert.equal(alice.code, 0, said(alice));
      assert.match(alice.stdout, /1 of 2 approvals so far/);
      await waitFor(
        `the Approval of ${change} to count alice's decision`,
        async () => {
          const status = ApprovalStatus.parse((await admin.get(resources.approval, change, ns)).status ?? {});
          return status.approvals === 1 ? status : undefined;
        },
        { timeoutMs: STEP_TIMEOUT_MS },
      );
      await checks().waitGated(plan, stages.prod, [new RegExp(`^ChangeRequest ${change} is .*not approved`)]);
      await checks().assertNotRequested(plan, stages.prod);
    }
    const decisions = ApprovalSpec.parse((await admin.get(resources.approval, changeA, ns)).spec).decisions;
    assert.deepEqual(Object.keys(decisions), ["alice"], "grace's refused decision was not stored");

    for (const plan of [A, B]) {
      const carol = await approveWithCli("carol", ns, changes.get(plan) ?? "", "Go for prod.");
      assert.equal(carol.code, 0, said(carol));
    }
    for (const plan of [A, B]) await waitForState(admin, ns, plan.name, stages.prod, "Verified");
  });

  it("ends Verified everywhere with ordered timestamps, Ready, the revisions running and every lock released", async () => {
    const ms = (stamp: string | undefined) => new Date(stamp ?? "").getTime();
    for (const plan of [A, B, C]) {
      const status = await releaseStatus(admin, ns, plan.name);
      const last = plan.pipeline[plan.pipeline.length - 1];
      assert.deepEqual([status.currentEnvironment, status.currentState], [last, "Verified"]);
      const ready = status.conditions?.find((c) => c.type === "Ready");
      assert.deepEqual([ready?.status, ready?.reason], ["True", "Complete"]);
      for (const env of plan.pipeline) {
        const entry = envOf(status, env) as ReleaseEnvironmentStatus;
        assert.deepEqual([entry.state, entry.revision], ["Verified", plan.revision], env);
        const times = [
          entry.requestedAt,
          entry.gateClearedAt,
          entry.deployStartedAt,
          entry.deployedAt,
          entry.verifiedAt,
        ];
        assert.ok(
          times.every((s) => !Number.isNaN(ms(s))) &&
            times.every((s, i) => i === 0 || ms(times[i - 1]) <= ms(s)),
          `${plan.name} in ${env}: ${JSON.stringify(entry)}`,
        );
        // Freed by the pass after the one that stored Verified: waited for, not raced.
        await waitFor(
          `${plan.name} to release ${env}`,
          async () => {
            const obj = await readTargetObject(admin, ns, plan.tool, plan.objects[env] ?? "");
            return obj.metadata.annotations?.[LOCK_ANNOTATION] === undefined ? true : undefined;
          },
          { timeoutMs: STEP_TIMEOUT_MS },
        );
      }
    }
    for (const env of A.pipeline.slice(1)) {
      const app = await admin.get(deliveryResources.argoCDApplication, A.objects[env] ?? "", ns);
      const sync = (app.status as { sync: { status: string; revision: string } }).sync;
      assert.deepEqual([sync.status, sync.revision], ["Synced", A.revision]);
    }
    for (const env of B.pipeline) {
      const name = B.objects[env] ?? "";
      const repo = await admin.get(fluxGitRepository, name, ns);
      assert.equal((repo.spec as { ref: { commit?: string } }).ref.commit, B.revision);
      const ks = await admin.get(deliveryResources.fluxKustomization, name, ns);
      assert.equal(
        (ks.status as { lastAppliedRevision?: string }).lastAppliedRevision,
        `main@sha1:${B.revision}`,
      );
    }
  });

  it("detects a hand sync of prod to a revision no release promoted, and clears it once prod runs A's again", async () => {
    const prodApp = { name: A.objects[stages.prod] ?? "", namespace: ns };
    await handSync(admin, prodApp, ROGUE);
    const flagged = await waitFor(
      "A's UnapprovedDeployment condition to turn True",
      async () => {
        const status = await releaseStatus(admin, ns, A.name);
        const condition = status.conditions?.find((c) => c.type === "UnapprovedDeployment");
        return condition?.status === "True" ? condition : undefined;
      },
      { timeoutMs: STEP_TIMEOUT_MS },
    );
    assert.equal(flagged.reason, "UnapprovedRevision");
    assert.match(flagged.message, new RegExp(`runs revision ${ROGUE}, which no approved release authorised`));
    await checks().waitForReleaseEvent(A.name, "Warning", "UnapprovedDeployment");
    const labels = { namespace: ns, release: A.name };
    await waitFor(
      "stagegate_unapproved_deployments to be 1 for A",
      async () =>
        (await scrapeMetric(op().metrics, "stagegate_unapproved_deployments", labels)) === 1
          ? true
          : undefined,
      { timeoutMs: STEP_TIMEOUT_MS },
    );
    const prodEntry = envOf(await releaseStatus(admin, ns, A.name), stages.prod);
    assert.equal(prodEntry?.state, "Verified", "a hand sync does not rewrite what was verified");

    await handSync(admin, prodApp, A.revision);
    const cleared = await waitFor(
      "A's UnapprovedDeployment condition to turn False",
      async () => {
        const status = await releaseStatus(admin, ns, A.name);
        const condition = status.conditions?.find((c) => c.type === "UnapprovedDeployment");
        return condition?.status === "False" ? condition : undefined;
      },
      { timeoutMs: STEP_TIMEOUT_MS },
    );
    assert.equal(cleared.reason, "AuthorisedRevisions");
    await waitFor(
      "stagegate_unapproved_deployments for A to be gone",
      async () =>
        (await scrapeMetric(op().metrics, "stagegate_unapproved_deployments", labels)) === undefined ||
        undefined,
      { timeoutMs: STEP_TIMEOUT_MS },
    );
  });

  it("fails D in dev when its sync fails, and holds test Pending", async (t) => {
    await createRelease(admin, ns, D);
    const devApp = { name: D.objects[stages.dev] ?? "", namespace: ns };
    await waitFor(
      "D's sync of shop-d-dev to be requested",
      async () =>
        pendingStagegateSync(await admin.get(deliveryResources.argoCDApplication, devApp.name, ns)) ===
          D.revision || undefined,
      { timeoutMs: STEP_TIMEOUT_MS },
    );
    await argoFails(admin, devApp, {
      revision: D.revision,
      message: "Deployment shop failed: image not found",
    });
    const failedApp = await admin.get(deliveryResources.argoCDApplication, devApp.name, ns);
    t.diagnostic(`shop-d-dev after the failed sync: ${JSON.stringify(failedApp.status)}`);
    const status = await waitForState(admin, ns, D.name, stages.dev, "Failed");
    assert.match(envOf(status, stages.dev)?.reasons?.join(" ") ?? "", /image not found/);
    const later = await waitForEnvironment(
      admin,
      ns,
      D.name,
      stages.test,
      "to stay Pending",
      (e) => e.state === "Pending",
    );
    assert.deepEqual([later.currentEnvironment, later.currentState], [stages.dev, "Failed"]);
    const ready = later.conditions?.find((c) => c.type === "Ready");
    assert.deepEqual([ready?.status, ready?.reason], ["False", "Failed"]);
    await checks().waitForReleaseEvent(D.name, "Warning", "DeploymentFailed");
    await waitFor(
      "D to release shop-d-dev's lock",
      async () => {
        const app = await admin.get(deliveryResources.argoCDApplication, devApp.name, ns);
        return app.metadata.annotations?.[LOCK_ANNOTATION] === undefined ? app : undefined;
      },
      { timeoutMs: STEP_TIMEOUT_MS },
    );
    await checks().assertNotRequested(D, stages.test);
    const scan = (await gateNames(admin, ns, D.name)).check(stages.test, "SecurityScan");
    await assert.rejects(
      admin.get(resources.deploymentTask, scan, ns),
      isNotFound,
      "no task opened for test",
    );
  });

  it("leaves an intact audit trail telling every release's promotion in order", async () => {
    for (const plan of [A, B]) {
      for (const env of [stages.staging, stages.prod]) {
        const change = (await gateNames(admin, ns, plan.name)).change(env);
        await waitFor(
          `${change} to be closed`,
          async () => {
            const obj = await admin.get(resources.changeRequest, change, ns);
            return ChangeRequestStatus.parse(obj.status ?? {}).closedAt;
          },
          { timeoutMs: STEP_TIMEOUT_MS },
        );
      }
    }
    const file = op().process.auditFile;
    const verification = await verifyAuditFile(file);
    assert.equal(verification.ok, true, formatVerification(verification, file));
    const cli = await stagegateAs("admin", ["audit", "verify", file]);
    assert.equal(cli.code, 0, said(cli));
    assert.match(cli.stdout, /is intact: \d+ entries, chain verified/);

    const entries = readAuditEntries(file);
    for (const plan of [A, B, C]) {
      assert.deepEqual(promotionSteps(entries, plan.name), verifiedSteps(plan.pipeline), plan.name);
    }

    const step = (release: string, action: string, env: string) =>
      seqOf(entries, `${action} of ${release} in ${env}`, (e) => {
        const ours = e.object.kind === "Release" && e.object.name === release;
        return ours && e.action === action && e.details.environment === env;
      });
    assert.ok(
      step(A.name, "TargetUnlocked", stages.dev) < step(C.name, "TargetLocked", stages.dev),
      "C locked shop-dev only after A unlocked it",
    );

    const operatorSteps = (...actions: string[]) => actions.map((a) => `${a} stagegate-operator`);
    const deciders = { [stages.staging]: ["alice"], [stages.prod]: ["alice", "carol"] };
    for (const plan of [A, B]) {
      for (const env of [stages.staging, stages.prod]) {
        const change = (await gateNames(admin, ns, plan.name)).change(env);
        assert.deepEqual(changeSteps(entries, change), [
          ...operatorSteps("ChangeRequested", "ApprovalOpened"),
          ...(deciders[env] ?? []).map((who) => `DecisionRecorded ${who}`),
          ...operatorSteps("ChangeApproved", "ChangeClosed"),
        ]);
        const approved = seqOf(entries, `ChangeApproved of ${change}`, (e) => {
          return e.action === "ChangeApproved" && e.object.name === change;
        });
        assert.ok(approved < step(plan.name, "ReleasePromoted", env), `${change} approved before promotion`);
      }
    }
    const changeA = (await gateNames(admin, ns, A.name)).change(stages.prod);
    assert.ok(
      entries.some(
        (e) => e.action === "AdmissionDenied" && e.actor === "grace@example.com" && e.object.name === changeA,
      ),
      "grace's refused approval is on record",
    );
    const unapproved = entries.filter((e) => e.action === "UnapprovedDeployment" && e.object.name === A.name);
    assert.equal(unapproved.length, 1);
    assert.match(JSON.stringify(unapproved[0]?.details), new RegExp(ROGUE));
    // Last, so a failure here leaves every other finding about the trail checked.
    assert.deepEqual(promotionSteps(entries, D.name), [
      `TargetLocked ${stages.dev}`,
      `ReleasePromoted ${stages.dev}`,
      `EnvironmentFailed ${stages.dev}`,
      `TargetUnlocked ${stages.dev}`,
    ]);
  });

  it("computes DORA measures, cycle times and bottlenecks from the trail with stagegate insights", async () => {
    await checkInsights(op().process.auditFile, stages, { A, B, C, D });
    await checkTaskInsights(op().process.auditFile);
    // The operator's own delivery metrics count the same promotions, labelled by the team dimension.
    const metric = (name: string, labels: Record<string, string>) => scrapeMetric(op().metrics, name, labels);
    const prod = (team: string) => ({ environment: stages.prod, team });
    assert.equal(await metric("stagegate_promotions_total", { ...prod("shop"), outcome: "verified" }), 1);
    assert.equal(await metric("stagegate_promotions_total", { ...prod("payments"), outcome: "verified" }), 1);
    assert.equal(
      await metric("stagegate_promotions_total", {
        environment: stages.dev,
        team: "shop",
        outcome: "failed",
      }),
      1,
      "D failed in dev",
    );
    assert.equal(await metric("stagegate_release_lead_time_seconds_count", prod("payments")), 1);
    const lead = await metric("stagegate_release_lead_time_seconds_sum", prod("payments"));
    assert.ok(lead !== undefined && lead > 0, `lead time ${lead}`);
    const gate = await metric("stagegate_promotion_phase_seconds_count", { ...prod("shop"), phase: "gate" });
    assert.equal(gate, 1);
  });

  it("ships a Grafana dashboard that queries only metrics the operator exports", async () => {
    // The check itself fails on a name the operator does not export.
    assert.deepEqual(metricNames('sum by (team) (rate(stagegate_no_such_total{team="x"}[5m]))'), [
      "stagegate_no_such_total",
    ]);
    await checkDashboardMetrics(op().metrics);
  });
});
