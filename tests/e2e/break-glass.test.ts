// End to end: a rollback passes a release freeze as break-glass, and the emergency ChangeRequest it opens goes
// through the real change-control rules. The operator runs as its own process (the `operator` identity) with its
// admission webhooks registered for the test namespace; Argo CD is played by the driver. shop-1 and then shop-2
// (rollback Automatic) are Verified on one Application in a regulated Environment; a freeze is put in force; a
// normal promotion (shop-3) is refused by it; a Rollback task for shop-2 syncs the Application back to shop-1's
// revision under the rollback lock anyway. The mutating webhook stamps the operator as the change's requester, the
// validating webhook admits its expiry, the ChangeRequest controller rates it critical and opens an Approval for
// the emergency approvers only; erin approves, the change is closed as used and its post-implementation review
// opens; the audit trail tells all of it with an intact chain.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, afterEach, before, describe, it } from "node:test";
import { formatVerification } from "../../src/audit/verification.js";
import { verifyAuditFile } from "../../src/audit/verify.js";
import { LOCK_ANNOTATION } from "../../src/controllers/release/gather.js";
import { breakGlassChangeName, releaseKey, rollbackLockKey } from "../../src/controllers/release/names.js";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import { ROLLBACK_ANNOTATION } from "../../src/controllers/rollback/reasons.js";
import { isNotFound } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { condition, createEnvironment, waitForStatus } from "../support/controller-world.js";
import { createArgoApplication } from "../support/delivery-objects.js";
import { startE2eOperator, type E2eOperator } from "../support/e2e-operator.js";
import { argoSyncs, pendingStagegateSync } from "../support/gitops-driver.js";
import { clientFor, createTestNamespace, waitFor, type TestScope } from "../support/kube.js";
import { createRelease, envOf, syncRequested, waitForEnvState } from "../support/release-world.js";
import { changeSteps, readAuditEntries } from "./promotion-audit.js";
import { approveWithKubectl, said } from "./promotion-people.js";
import { warningEvents } from "./rollback-audit.js";
import {
  ALERT,
  STEP_TIMEOUT_MS,
  deleteReleases,
  openRollbackTask,
  readApproval,
  readTask,
  waitForChange,
  type TaskRead,
} from "./break-glass-world.js";

const APP = "shop-prod";
const SHA1 = randomBytes(20).toString("hex");
const SHA2 = randomBytes(20).toString("hex");
const SHA3 = randomBytes(20).toString("hex");
const OPERATOR = "stagegate-operator";
const FREEZE = "year-end";
const FREEZE_REASON = "Year-end trading";
const REVIEW_DUE_AFTER_MS = 48 * 3_600_000;
const MAX_DURATION_MS = 4 * 3_600_000;
const whole = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

describe("break-glass rollback through a release freeze end to end: operator process, webhooks, change control", () => {
  let admin: KubeClient | undefined;
  let operator: E2eOperator | undefined;
  let ns = "";
  const environments: string[] = [];
  const env = `prod-bg-${randomBytes(3).toString("hex")}`;
  const freezeEnd = whole(Date.now() + 2 * 3_600_000);
  const keep = { failed: false };
  /** What the rollback story found, for the change-control and audit tests. */
  const found = { task: "", change: "" };

  const scope = (): TestScope => {
    if (admin === undefined || ns === "") throw new Error("the test namespace was not set up");
    return { admin, namespace: ns };
  };
  const op = (): E2eOperator => {
    if (operator === undefined) throw new Error("the operator did not start");
    return operator;
  };
  const target = (revision: string) => ({
    environment: env,
    argoCD: { name: APP, namespace: ns, revision },
  });
  const release = (name: string, revision: string) =>
    createRelease(scope(), name, {
      version: name,
      revision,
      pipeline: [env],
      targets: [target(revision)],
      owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "dave" } },
      rollbackPolicy: { mode: "Automatic" },
    });
  const frozenReason = `The environment is frozen: ${FREEZE} until ${freezeEnd} (${FREEZE_REASON}).`;

  before(async () => {
    admin = await clientFor("admin");
    ns = await createTestNamespace(admin, "e2e-break-glass");
    operator = await startE2eOperator(admin, ns, { namePrefix: "e2e-bg" });
    // Regulated, so the change-control rules bite hardest (critical risk, separation of duties); no approvals are
    // required for a promotion, and this is the pipeline's only stage.
    await createEnvironment({ admin, environments, namespace: ns }, env, {
      description: "Production: regulated, gated only by its freezes.",
      regulated: true,
      gate: {
        emergency: { approverGroups: ["emergency-approvers"], maxDuration: "4h", reviewDueAfter: "48h" },
      },
    });
    await createArgoApplication(scope(), APP);
  });

  afterEach((t) => {
    if ("passed" in t && t.passed === false) keep.failed = true;
  });

  after(async () => {
    // Each step runs even when an earlier one failed. The Releases go while the operator runs (their finalizer);
    // stopping the operator unregisters its webhooks.
    const steps: [string, () => Promise<unknown>][] = [
      ["delete the Releases", async () => (ns === "" ? undefined : deleteReleases(scope().admin, ns))],
      ["stop the operator", async () => operator?.stop()],
      ["delete the namespace", async () => (ns === "" ? undefined : admin?.delete(builtin.namespace, ns))],
      ...environments.map((name): [string, () => Promise<unknown>] => [
        `delete Environment ${name}`,
        async () => admin?.delete(resources.environment, name),
      ]),
    ];
    const failures: string[] = [];
    for (const [what, step] of steps) {
      await step().catch((err: unknown) => {
        if (!isNotFound(err)) failures.push(`${what}: ${(err as Error).message}`);
      });
    }
    if (keep.failed && operator !== undefined) {
      console.log(`The operator's log and audit trail are kept in ${operator.process.logFile}.`);
    }
    admin?.close();
    assert.deepEqual(failures, [], "clean-up failed");
  });

  /** Waits until the task exists and `check` holds for it. */
  const waitForTask = (name: string, what: string, check: (t: TaskRead) => boolean) =>
    waitFor(
      `DeploymentTask ${name} ${what}`,
      async () => {
        const task = await readTask(scope(), name);
        return task !== undefined && check(task) ? task : undefined;
      },
      { timeoutMs: STEP_TIMEOUT_MS },
    );

  /** Waits until the Application's lock annotation is `holder` (undefined: free). */
  const waitForLock = (holder: string | undefined, what: string) =>
    waitFor(
      what,
      async () => {
        const app = await scope().admin.get(deliveryResources.argoCDApplication, APP, ns);
        return app.metadata.annotations?.[LOCK_ANNOTATION] === holder ? app : undefined;
      },
      { timeoutMs: STEP_TIMEOUT_MS },
    );

  it("deploys shop-1 and then shop-2 to the regulated environment on one Application", async (t) => {
    t.diagnostic(`operator log: ${op().process.logFile}`);
    for (const [name, revision] of [
      ["shop-1", SHA1],
      ["shop-2", SHA2],
    ] as const) {
      await release(name, revision);
      const requested = await syncRequested(scope(), APP, revision, STEP_TIMEOUT_MS);
      assert.equal(requested.metadata.annotations?.[LOCK_ANNOTATION], releaseKey(ns, name));
      await argoSyncs(scope().admin, { name: APP, namespace: ns }, { revision });
      await waitForEnvState(scope(), name, env, "Verified", STEP_TIMEOUT_MS);
      await waitForLock(undefined, `${name} to free the lock on ${APP}`);
    }
    const { items } = await scope().admin.list(resources.changeRequest, { namespace: ns });
    assert.deepEqual(
      items.map((c) => c.metadata.name),
      [],
      "no approvals are required to promote here, so no change was requested",
    );
  });

  it("refuses a normal promotion through the freeze: shop-3 waits Gated and its target gets no sync", async () => {
    const { admin: client } = scope();
    const observe = async (spec: Record<string, unknown>): Promise<void> => {
      const patched = await client.patch(resources.environment, env, undefined, { spec }, { type: "merge" });
      // The operator stamps the generation it reconciled from its cache: from then on every controller sees it.
      await waitForStatus(
        scope(),
        resources.environment,
        env,
        `to be observed at generation ${patched.metadata.generation}`,
        (s) => s.observedGeneration === patched.metadata.generation,
        STEP_TIMEOUT_MS,
      );
    };
    // shop-3 is created before the freeze (a freeze refuses new Feature releases at admission), while a deployment
    // window that opens only on New Year's Day holds it; then the freeze begins and the window goes.
    await observe({ gate: { windows: [{ name: "new-year", schedule: "0 0 1 1 *", duration: "1m" }] } });
    await release("shop-3", SHA3);
    await waitForEnvState(scope(), "shop-3", env, "Gated", STEP_TIMEOUT_MS);
    await observe({
      gate: {
        windows: [],
        freezes: [
          { name: FREEZE, start: whole(Date.now() - 3_600_000), end: freezeEnd, reason: FREEZE_REASON },
        ],
      },
    });
    // A new Feature release is refused at admission while the freeze is in force, naming it and its end.
    await assert.rejects(release("shop-4", SHA3), (err: Error) => {
      assert.match(err.message, /Frozen: a release freeze is in force: year-end until .* on environment/);
      return true;
    });
    let last: unknown;
    await waitFor(
      "shop-3 to be held by the freeze alone",
      async () => {
        const obj = await client.get(resources.release, "shop-3", ns);
        last = envOf((obj.status ?? {}) as Record<string, unknown>, env);
        const reasons = envOf((obj.status ?? {}) as Record<string, unknown>, env)?.reasons ?? [];
        return reasons.length === 1 && reasons[0] === frozenReason ? obj : undefined;
      },
      { timeoutMs: STEP_TIMEOUT_MS },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; shop-3 in ${env} was ${JSON.stringify(last)}`);
    });
    const gated = await waitForEnvState(scope(), "shop-3", env, "Gated", STEP_TIMEOUT_MS);
    assert.deepEqual(envOf(gated, env)?.reasons, [frozenReason], "the freeze is the only thing holding it");
    const ready = condition(gated, "Ready");
    assert.equal(ready?.reason, "Gated");
    assert.match(ready?.message ?? "", /frozen: year-end/);
    const app = await client.get(deliveryResources.argoCDApplication, APP, ns);
    assert.equal(pendingStagegateSync(app), undefined, "no sync was requested for shop-3");
    assert.equal(app.metadata.annotations?.[LOCK_ANNOTATION], undefined, "shop-3 took no lock");
    assert.equal((app.status as { sync: { revision: string } }).sync.revision, SHA2);
  });

  it("rolls shop-2 back to shop-1's revision through the freeze under the rollback lock, as break-glass", async () => {
    const { admin: client } = scope();
    const task = await openRollbackTask(scope(), "shop-2", env, "dave");
    found.task = task;
    const change = breakGlassChangeName(task);
    found.change = change;

    const requested = await syncRequested(scope(), APP, SHA1, STEP_TIMEOUT_MS);
    assert.equal(requested.metadata.annotations?.[LOCK_ANNOTATION], rollbackLockKey(ns, task));
    const started = await waitForTask(
      task,
      "to record RollbackStarted",
      (t) => t.object.metadata.annotations?.[ROLLBACK_ANNOTATION] === "RollbackStarted",
    );
    assert.match(
      started.spec.log.map((l) => l.message).join("\n"),
      new RegExp(
        `back from revision ${SHA2} to revision ${SHA1} .*through the release freeze ${FREEZE} as break-glass`,
      ),
    );

    // The emergency change, as created by the operator and admitted by the real webhooks.
    const opened = await waitForChange(
      scope(),
      change,
      "to be marked used",
      (c) => c.status.usedAt !== undefined,
    );
    const { spec } = opened;
    assert.equal(spec.type, "Emergency");
    assert.deepEqual(spec.releaseRef, { name: "shop-2" });
    assert.equal(spec.environment, env);
    assert.equal(
      spec.justification,
      `Rollback task ${task} rolled Argo CD Application ${ns}/${APP} back from revision ${SHA2} to revision ` +
        `${SHA1} after alert ${ALERT.name} (fingerprint ${ALERT.fingerprint}), during the release freeze ` +
        `${FREEZE}. Stagegate opened this change for review after the fact.`,
    );
    assert.deepEqual(spec.artifacts, [{ name: APP, revision: SHA1 }]);
    assert.match(
      spec.emergency?.reason ?? "",
      new RegExp(`Break-glass rollback of ${env} after alert ${ALERT.name}.*${FREEZE}`),
    );
    const created = Date.parse(opened.object.metadata.creationTimestamp ?? "");
    const expires = Date.parse(spec.emergency?.expiresAt ?? "");
    assert.ok(
      expires > created && expires <= created + MAX_DURATION_MS,
      `expiresAt ${spec.emergency?.expiresAt ?? ""} lies within the Environment's maxDuration (4h)`,
    );
    assert.equal(spec.plannedWindow.end, spec.emergency?.expiresAt);
    assert.deepEqual(
      opened.object.metadata.ownerReferences?.map((o) => [o.kind, o.name]),
      [["Release", "shop-2"]],
    );
    assert.equal(
      spec.requestedBy?.username,
      OPERATOR,
      "the mutating webhook stamped the operator's identity",
    );
    assert.ok(spec.requestedBy?.groups.includes("stagegate:operators"), JSON.stringify(spec.requestedBy));
    const breakGlass = await waitFor("the BreakGlassRollback event on the task", async () => {
      const events = await warningEvents(client, ns, task, "BreakGlassRollback");
      return events.length > 0 ? events : undefined;
    });
    assert.match(breakGlass[0]?.note ?? "", new RegExp(`emergency ChangeRequest ${change} was opened`));

    // Argo CD completes the rollback: the item is done, the lock freed, shop-2 held Failed.
    await argoSyncs(client, { name: APP, namespace: ns }, { revision: SHA1 });
    const done = await waitForTask(task, "to succeed", (t) => t.status.phase === "Succeeded");
    const item = done.spec.checklist.find((i) => i.name === "rolled-back");
    assert.deepEqual([item?.state, item?.completedBy, item?.evidence?.result], ["Done", OPERATOR, "Passed"]);
    await waitForLock(undefined, "the rollback to free the lock");
    const held = await waitForEnvState(scope(), "shop-2", env, "Failed", STEP_TIMEOUT_MS);
    assert.match(envOf(held, env)?.reasons?.join(" ") ?? "", new RegExp(`Rollback task ${task}`));

    // The freeze still refuses shop-3 once the lock is free, and the Application ran only what was allowed.
    const stillGated = await waitForStatus(
      scope(),
      resources.release,
      "shop-3",
      `to be Gated in ${env} by the freeze alone`,
      (s) => envOf(s, env)?.state === "Gated" && envOf(s, env)?.reasons?.length === 1,
      STEP_TIMEOUT_MS,
    );
    assert.deepEqual(envOf(stillGated, env)?.reasons, [frozenReason]);
    const app = await client.get(deliveryResources.argoCDApplication, APP, ns);
    assert.equal(pendingStagegateSync(app), undefined, "nothing is pending");
    const history = (app.status as { history: { revision: string; initiatedBy: { username: string } }[] })
      .history;
    assert.deepEqual(
      history.map((h) => h.revision),
      [SHA1, SHA2, SHA1],
      "shop-1, shop-2, then the rollback to shop-1; never shop-3",
    );
  });

  /** The operator's last reconcile error about `name`, to say why a wait on the change-control path ran out. */
  const lastReconcileError = (controller: string, name: string): string => {
    const failed = op()
      .process.logs()
      .filter((l) => l.controller === controller && l.name === name && typeof l.err === "string");
    return failed.length === 0 ? "none" : String(failed[failed.length - 1]?.err);
  };

  it("puts the emergency change through change control: critical risk, emergency approvers only, then a review", async () => {
    assert.ok(found.change !== "", "the rollback opened the emergency change");
    const { change } = found;
    const awaiting = await waitForChange(
      scope(),
      change,
      "to open its Approval",
      (c) => c.status.approvalRef !== undefined,
    ).catch((err: unknown) => {
      throw new Error(
        `${(err as Error).message}; the operator's last changerequest error: ${lastReconcileError("changerequest", change)}`,
        { cause: err },
      );
    });
    assert.deepEqual(
      [
        awaiting.status.riskClass,
        awaiting.status.riskRule,
        awaiting.status.round,
        awaiting.status.approvalRef,
      ],
      ["critical", "EmergencyInRegulatedEnvironment", 1, { name: change }],
    );
    const approved = condition(awaiting.status, "Approved");
    assert.equal(approved?.status, "Unknown");
    assert.equal(approved?.reason, "AwaitingDecision");
    assert.match(approved?.message ?? "", /^Risk critical \(rule EmergencyInRegulatedEnvironment\)\. /);
    assert.equal(awaiting.status.resolution, undefined, "a break-glass change is not approved by itself");
    assert.equal(awaiting.status.closedAt, undefined);

    const approval = await waitFor(
      `Approval ${change} to have its expiry`,
      async () => {
        const a = await readApproval(scope(), change);
        return a?.status.expiresAt !== undefined ? a : undefined;
      },
      { timeoutMs: STEP_TIMEOUT_MS },
    );
    assert.equal(approval.spec.required, 1);
    assert.deepEqual(approval.spec.eligible, { users: [], groups: ["emergency-approvers"] });
    assert.deepEqual(approval.spec.requiredGroups, []);
    assert.deepEqual(
      approval.spec.excluded,
      [
        { user: OPERATOR, reason: "requested the change" },
        { user: "admin", reason: "declared the release" },
      ],
      "separation of duties bars the requester (the operator itself) and the release's declarer",
    );
    assert.equal(
      Date.parse(approval.status.expiresAt ?? ""),
      Date.parse(awaiting.spec.emergency?.expiresAt ?? ""),
      "an emergency Approval lapses with the emergency",
    );

    // An ordinary approver may not decide an emergency; an emergency approver may.
    const refused = await approveWithKubectl("alice", "alice", ns, change, "Looks fine to me");
    assert.notEqual(refused.code, 0, said(refused));
    assert.match(refused.stderr, /NotEligible/, said(refused));
    const accepted = await approveWithKubectl("erin", "erin", ns, change, "Reviewed the rollback: justified");
    assert.equal(accepted.code, 0, said(accepted));

    const closed = await waitForChange(scope(), change, "to close", (c) => c.status.closedAt !== undefined);
    assert.deepEqual(
      [closed.status.resolution, closed.status.resolvedBy, closed.status.usedAt],
      ["Approved", "erin", awaiting.status.usedAt],
    );
    assert.deepEqual(
      [condition(closed.status, "Approved")?.status, condition(closed.status, "Approved")?.reason],
      ["True", "Approved"],
    );
    assert.deepEqual(
      [condition(closed.status, "Closed")?.status, condition(closed.status, "Closed")?.reason],
      ["True", "Used"],
    );
    const reviewName = `${change}-review`;
    assert.deepEqual(closed.status.reviewTaskRef, { name: reviewName });

    const review = await waitForTask(reviewName, "to exist", () => true);
    assert.equal(review.spec.type, "PostImplementationReview");
    assert.deepEqual(review.spec.releaseRef, { name: "shop-2" });
    assert.equal(review.spec.environment, env);
    assert.deepEqual(
      review.spec.owners,
      [{ kind: "Group", name: "stagegate:operators" }],
      "owned by the requester's groups: for a break-glass change, the operator's",
    );
    assert.equal(
      Date.parse(review.spec.dueAt ?? ""),
      Date.parse(closed.status.usedAt ?? "") + REVIEW_DUE_AFTER_MS,
      "due gate.emergency.reviewDueAfter (48h) after the rollback used the change",
    );
    assert.deepEqual(
      review.spec.checklist.map((i) => [i.name, i.state, i.required]),
      [
        ["emergency-justified", "Pending", true],
        ["change-verified", "Pending", true],
        ["follow-up", "Pending", false],
      ],
    );
    assert.deepEqual(
      review.object.metadata.ownerReferences?.map((o) => [o.kind, o.name]),
      [["ChangeRequest", change]],
    );

    // The change's story in the trail: requested by the operator, opened, decided by erin, approved, reviewed, closed.
    const file = op().process.auditFile;
    const entries = await waitFor("ChangeClosed in the audit trail", () => {
      const read = readAuditEntries(file);
      return read.some((e) => e.action === "ChangeClosed" && e.object.name === change) ? read : undefined;
    });
    assert.deepEqual(changeSteps(entries, change), [
      `ChangeRequested ${OPERATOR}`,
      `ApprovalOpened ${OPERATOR}`,
      "DecisionRecorded erin",
      `ChangeApproved ${OPERATOR}`,
      `ChangeClosed ${OPERATOR}`,
    ]);
    const first = (action: string, name = change) =>
      entries.find((e) => e.action === action && e.object.name === name);
    assert.deepEqual(
      [first("ApprovalOpened")?.details.riskClass, first("ApprovalOpened")?.details.riskRule],
      ["critical", "EmergencyInRegulatedEnvironment"],
    );
    assert.equal(first("ChangeApproved")?.details.resolvedBy, "erin");
    const reviewed = first("ReviewTaskOpened", reviewName);
    assert.ok(reviewed !== undefined, "the review task's opening is audited");
    assert.ok(
      (first("ChangeApproved")?.seq ?? Infinity) < reviewed.seq &&
        reviewed.seq < (first("ChangeClosed")?.seq ?? 0),
      "the review opened between the approval and the closing",
    );
    assert.deepEqual(
      entries.filter((e) => e.action === "AdmissionDenied").map((e) => [e.actor, e.details.rule]),
      [
        ["admin", "Frozen"],
        ["alice", "NotEligible"],
      ],
      "the webhook recorded the refused Feature release during the freeze and alice's refusal",
    );
  });

  it("records the break-glass in an intact audit trail: the change admitted first, then the rollback", async () => {
    assert.ok(found.task !== "" && found.change !== "", "the rollback story ran");
    const { task, change } = found;
    const file = op().process.auditFile;
    const verification = await verifyAuditFile(file);
    assert.equal(verification.ok, true, formatVerification(verification, file));
    const entries = readAuditEntries(file);

    // The closed task's archiving (RecordArchived, ADR 0029) may come at any time after; it is not the story here.
    const rollback = entries.filter(
      (e) => e.object.kind === "DeploymentTask" && e.object.name === task && e.action !== "RecordArchived",
    );
    assert.deepEqual(
      rollback.map((e) => `${e.action} ${e.actor}`),
      [`BreakGlassRollback ${OPERATOR}`, `RollbackStarted ${OPERATOR}`, `RollbackCompleted ${OPERATOR}`],
    );
    const [breakGlass, started] = rollback;
    assert.deepEqual(breakGlass?.details, {
      changeRequest: change,
      release: "shop-2",
      environment: env,
      freezes: [FREEZE],
      revision: SHA1,
    });
    assert.deepEqual([started?.details.breakGlass, started?.details.freezes], [change, [FREEZE]]);

    const requested = entries.find((e) => e.action === "ChangeRequested" && e.object.name === change);
    assert.equal(requested?.actor, OPERATOR);
    assert.equal(requested?.details.type, "Emergency");
    assert.equal(requested?.details.environment, env);
    assert.deepEqual(
      requested?.details.requestedBy,
      (await waitForChange(scope(), change, "to be read")).spec.requestedBy,
      "the webhook recorded the requester it stamped",
    );
    assert.ok(
      (requested?.seq ?? Infinity) < (breakGlass?.seq ?? 0),
      "the webhook recorded the change before the operator announced the break-glass",
    );
    assert.deepEqual(
      entries.filter((e) => e.action === "AdmissionDenied" && e.actor === OPERATOR).map((e) => e.details),
      [],
      "no webhook refused the operator's emergency change",
    );
    assert.deepEqual(
      entries
        .filter((e) => e.object.kind === "Release" && e.object.name === "shop-3")
        .map((e) => e.action)
        .filter((a) => a === "TargetLocked" || a === "ReleasePromoted"),
      [],
      "shop-3 was never promoted",
    );
  });
});
