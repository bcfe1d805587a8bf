import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  decideRollback,
  restsOnTheCache,
  type RollbackDecision,
} from "../../../src/controllers/rollback/decide.js";
import { ChangeRequestSpec } from "../../../src/api/v1alpha1/change-request.js";
import { ChangeRequestView } from "../../../src/webhooks/admitted-objects.js";
import { emergencyExpiry } from "../../../src/webhooks/change-request-rules.js";
import type { z } from "zod";
import { DeploymentTaskSpec, type TaskPhase } from "../../../src/api/v1alpha1/deployment-task.js";
import { EnvironmentSpec } from "../../../src/api/v1alpha1/environment.js";
import { ReleaseSpec, type ReleaseStatus } from "../../../src/api/v1alpha1/release.js";
import type { RollbackInput } from "../../../src/controllers/rollback/decide.js";
import { checklistFor } from "../../../src/controllers/release/checklists.js";
import type { TargetClaim } from "../../../src/controllers/release/target-claims.js";

/** The clock of every decision in these tests. */
const NOW = new Date("2026-11-26T10:00:00Z");
const NS = "shop";
const TASK = "shop-2-prod-rollback-3fa1c2-20261126094500";
const LOCK = `rollback:${NS}/${TASK}`;
/** The rolled-back release's revision and the previous Verified one. */
const BAD = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";
const GOOD = "1a2b3c4d5e6f708192a3b4c5d6e7f80912345678";

const ALERT = {
  name: "HighErrorRate",
  fingerprint: "3fa1c2",
  startsAt: "2026-11-26T09:45:00Z",
  labels: { alertname: "HighErrorRate", app: "shop" },
  annotations: {},
  receivedAt: "2026-11-26T09:45:05Z",
};

/** The Rollback task as the receiver opens it, with the given changes. */
function rollbackSpec(change: Partial<z.input<typeof DeploymentTaskSpec>> = {}): DeploymentTaskSpec {
  return DeploymentTaskSpec.parse({
    type: "Rollback",
    title: "Roll back shop-2 in prod: alert HighErrorRate is firing",
    releaseRef: { name: "shop-2" },
    environment: "prod",
    owners: [{ kind: "User", name: "otto" }],
    checklist: checklistFor("Rollback"),
    alert: ALERT,
    ...change,
  });
}

/** The release shop-2 with one Argo CD target in prod, Verified there since 09:00, under a policy. */
function release(
  mode: "Automatic" | "Manual" | "Disabled",
  change: Partial<z.input<typeof ReleaseSpec>> = {},
): NonNullable<RollbackInput["release"]> {
  const status: ReleaseStatus = {
    environments: [{ name: "prod", state: "Failed", revision: BAD, deployStartedAt: "2026-11-26T09:00:00Z" }],
  };
  return {
    name: "shop-2",
    uid: "rel-uid",
    spec: ReleaseSpec.parse({
      version: "2.0.0",
      source: { repoURL: "https://git.example.com/shop.git", revision: BAD },
      pipeline: ["prod"],
      targets: [{ environment: "prod", argoCD: { name: "shop-prod", namespace: "argocd", revision: BAD } }],
      owners: { releaseManager: { name: "rita" }, rollbackOwner: { name: "otto" } },
      rollbackPolicy:
        mode === "Disabled" ? { mode, reason: "The schema migration cannot be reversed" } : { mode },
      ...change,
    }),
    status,
  };
}

/** shop-1's Verified promotion of {@link GOOD} to the same Application, before shop-2. */
const PREVIOUS: TargetClaim = {
  release: `${NS}/shop-1`,
  environment: "prod",
  revision: GOOD,
  state: "Verified",
  deployStartedAt: "2026-11-20T09:00:00Z",
};

const environment = (input: z.input<typeof EnvironmentSpec> = {}): EnvironmentSpec =>
  EnvironmentSpec.parse(input);

/** A freeze in force at {@link NOW}. */
const FROZEN = environment({
  gate: {
    freezes: [{ name: "year-end", start: "2026-11-25T00:00:00Z", end: "2026-12-01T00:00:00Z" }],
    emergency: { maxDuration: "4h" },
  },
});

/** A rollback input: the task (open, nothing recorded), the release, the previous revision and no lock. */
function input(
  mode: "Automatic" | "Manual" | "Disabled",
  over: Omit<Partial<RollbackInput>, "task"> & {
    task?: Partial<RollbackInput["task"]>;
    phase?: TaskPhase;
  } = {},
): RollbackInput {
  const { task, phase, ...rest } = over;
  return {
    evidence: { opened: true, by: "Alert", policy: mode },
    task: {
      namespace: NS,
      name: TASK,
      uid: "task-uid",
      spec: rollbackSpec(),
      phase: phase ?? "Ready",
      ...task,
    },
    release: release(mode),
    environment: environment(),
    previous: PREVIOUS,
    delivery: { state: "Deploying", message: "Sync Synced at 9f8e7d6, health Healthy.", revision: BAD },
    ...rest,
  };
}

interface Row {
  situation: string;
  input: RollbackInput;
  kind: RollbackDecision["kind"];
  reason: string;
  /** Extra checks on the decision. */
  check?: (d: RollbackDecision) => void;
}

const actions = (d: RollbackDecision) => ({
  takeLock: d.takeLock !== undefined,
  promote: d.promote !== undefined,
  breakGlass: d.breakGlass !== undefined,
  finish: d.finish?.item.state,
  record: d.record?.annotation,
  freeLock: d.freeLock === true,
  openValidation: d.openValidation?.name,
  audit: d.audit.map((a) => a.action),
  events: d.events.map((e) => `${e.type} ${e.reason}`),
});

const NO_ACTION = {
  takeLock: false,
  promote: false,
  breakGlass: false,
  finish: undefined,
  record: undefined,
  freeLock: false,
  openValidation: undefined,
  audit: [],
  events: [],
};

const ROWS: Row[] = [
  // Evidence: only the operator's (or the rollback owner's) tasks are acted on
  {
    situation:
      "a hand-made task under Automatic, even through a freeze: refused, reported once, nothing done",
    input: {
      ...input("Automatic", { environment: FROZEN }),
      evidence: { opened: false, reason: "it carries no seal of the operator" },
    },
    kind: "Notify",
    reason: "RollbackTaskRefused",
    check: (d) => {
      assert.deepEqual(actions(d), {
        ...NO_ACTION,
        record: "RollbackTaskRefused",
        audit: ["RollbackTaskRefused"],
        events: ["Warning RollbackTaskRefused"],
      });
      assert.match(d.message, /no seal of the operator/);
    },
  },
  {
    situation: "a refused task already reported: nothing more",
    input: {
      ...input("Automatic", { task: { recorded: "RollbackTaskRefused" } }),
      evidence: { opened: false, reason: "it carries no seal of the operator" },
    },
    kind: "Skip",
    reason: "RollbackTaskRefused",
    check: (d) => assert.deepEqual(actions(d), NO_ACTION),
  },
  {
    situation: "the rollback owner's own task under Automatic: rolled back under the policy now",
    input: { ...input("Automatic"), evidence: { opened: true, by: "RollbackOwner", creator: "dave" } },
    kind: "Roll",
    reason: "RollbackStarted",
    check: (d) => {
      assert.equal(d.takeLock !== undefined && d.promote !== undefined, true);
      assert.deepEqual(
        d.audit.map((a) => a.action),
        ["RollbackStarted"],
      );
    },
  },
  {
    situation:
      "the rollback owner's task while the admission controls are not intact: it waits, told once, nothing done",
    input: {
      ...input("Automatic", { environment: FROZEN }),
      evidence: {
        opened: false,
        awaiting: "AdmissionControls",
        reason: "it was created by the rollback owner dave, but its creator stamp cannot be believed now",
      },
    },
    kind: "Wait",
    reason: "AdmissionControlsNotIntact",
    check: (d) => {
      assert.deepEqual(actions(d), {
        ...NO_ACTION,
        record: "AdmissionControlsNotIntact",
        events: ["Warning AdmissionControlsNotIntact"],
      });
      assert.equal(typeof d.requeueAfterMs, "number");
    },
  },
  {
    situation: "the rollback owner's task still waiting for the admission controls: nothing more is said",
    input: {
      ...input("Automatic", { task: { recorded: "AdmissionControlsNotIntact" }, lockHolder: LOCK }),
      evidence: { opened: false, awaiting: "AdmissionControls", reason: "the controls are not intact" },
    },
    kind: "Wait",
    reason: "AdmissionControlsNotIntact",
    check: (d) => assert.deepEqual(actions(d), NO_ACTION, "a paused rollback keeps its lock"),
  },
  {
    situation:
      "opened under Manual, the release switched to Automatic since: the owner is told, nothing rolled back",
    input: { ...input("Automatic"), evidence: { opened: true, by: "Alert", policy: "Manual" } },
    kind: "Notify",
    reason: "ManualRollbackRequested",
    check: (d) => {
      assert.deepEqual(actions(d), {
        ...NO_ACTION,
        record: "ManualRollbackRequested",
        audit: ["RollbackPolicyChangeIgnored"],
        events: ["Normal ManualRollbackRequested", "Warning PolicyChangedAfterOpening"],
      });
      assert.equal(d.record?.policyNoted, "Automatic");
      assert.match(d.message, /a policy change is not an alert/);
    },
  },
  {
    situation:
      "the owner was told under Manual, then the policy became Automatic: reported once, not rolled back",
    input: {
      ...input("Automatic", { task: { recorded: "ManualRollbackRequested" } }),
      evidence: { opened: true, by: "Alert", policy: "Manual" },
    },
    kind: "Notify",
    reason: "ManualRollbackRequested",
    check: (d) => {
      assert.deepEqual(actions(d), {
        ...NO_ACTION,
        record: "ManualRollbackRequested",
        audit: ["RollbackPolicyChangeIgnored"],
        events: ["Warning PolicyChangedAfterOpening"],
      });
      assert.equal(d.record?.policyNoted, "Automatic");
    },
  },
  {
    situation: "the policy change already reported: nothing more, still not rolled back",
    input: {
      ...input("Automatic", { task: { recorded: "ManualRollbackRequested", policyNoted: "Automatic" } }),
      evidence: { opened: true, by: "Alert", policy: "Manual" },
    },
    kind: "Skip",
    reason: "ManualRollbackRequested",
    check: (d) => assert.deepEqual(actions(d), NO_ACTION),
  },
  // Automatic
  {
    situation: "automatic, target at the bad revision, nothing locked: take the lock and roll back",
    input: input("Automatic"),
    kind: "Roll",
    reason: "RollbackStarted",
    check: (d) => {
      assert.deepEqual(actions(d), {
        ...NO_ACTION,
        takeLock: true,
        promote: true,
        record: "RollbackStarted",
        audit: ["RollbackStarted"],
        events: ["Normal RollbackStarted"],
      });
      assert.equal(d.promote?.argoCD?.revision, GOOD);
      assert.equal(d.promote?.argoCD?.name, "shop-prod");
      assert.equal(d.record?.startedAt, "2026-11-26T10:00:00Z");
      assert.match(
        d.record?.log?.message ?? "",
        /back from revision 9f8e7d6\S* to revision 1a2b3c4\S* \(last Verified there by release shop\/shop-1\)/,
      );
      assert.deepEqual(
        { from: d.audit[0]?.details.from, to: d.audit[0]?.details.to, actor: d.audit[0]?.actor },
        { from: BAD, to: GOOD, actor: "stagegate-operator" },
      );
      assert.equal(d.requeueAfterMs, 15_000);
    },
  },
  {
    situation: "automatic, no previous Verified revision: impossible, told once with a warning",
    input: input("Automatic", { previous: undefined, delivery: undefined }),
    kind: "Notify",
    reason: "NoPreviousRevision",
    check: (d) => {
      assert.deepEqual(actions(d), {
        ...NO_ACTION,
        record: "NoPreviousRevision",
        events: ["Warning NoPreviousRevision"],
      });
      assert.match(d.record?.log?.message ?? "", /automatic rollback is impossible.*rollback owner otto/);
    },
  },
  {
    situation: "automatic, no previous revision, already told: nothing",
    input: input("Automatic", {
      previous: undefined,
      delivery: undefined,
      task: { recorded: "NoPreviousRevision" },
    }),
    kind: "Skip",
    reason: "NoPreviousRevision",
    check: (d) => assert.deepEqual(actions(d), NO_ACTION),
  },
  {
    situation: "automatic, environment frozen: roll back as break-glass with an emergency change",
    input: input("Automatic", { environment: FROZEN }),
    kind: "Roll",
    reason: "RollbackStarted",
    check: (d) => {
      assert.equal(d.breakGlass?.name, `${TASK}-emergency`);
      const spec = d.breakGlass?.spec;
      assert.equal(spec?.type, "Emergency");
      assert.deepEqual(spec?.releaseRef, { name: "shop-2" });
      assert.equal(spec?.environment, "prod");
      assert.deepEqual(spec?.artifacts, [{ name: "shop-prod", revision: GOOD }]);
      // Within the Environment's 4h maximum, a minute short of it.
      assert.equal(spec?.emergency?.expiresAt, "2026-11-26T13:59:00Z");
      assert.deepEqual(spec?.plannedWindow, { start: "2026-11-26T10:00:00Z", end: "2026-11-26T13:59:00Z" });
      assert.match(spec?.justification ?? "", /alert HighErrorRate \(fingerprint 3fa1c2\)/);
      assert.match(spec?.justification ?? "", new RegExp(`from revision ${BAD} to revision ${GOOD}`));
      assert.match(spec?.emergency?.reason ?? "", /year-end/);
      assert.deepEqual(d.audit[0]?.details.freezes, ["year-end"]);
      assert.ok(d.promote !== undefined && d.takeLock !== undefined);
    },
  },
  {
    situation: "automatic, frozen, emergency maxDuration unset: expiry within the default 24h",
    input: input("Automatic", {
      environment: environment({
        gate: { freezes: [{ name: "y", start: "2026-11-25T00:00:00Z", end: "2026-12-01T00:00:00Z" }] },
      }),
    }),
    kind: "Roll",
    reason: "RollbackStarted",
    check: (d) => assert.equal(d.breakGlass?.spec.emergency?.expiresAt, "2026-11-27T09:59:00Z"),
  },
  {
    situation: "automatic, frozen, but the rollback already started: no second change",
    input: input("Automatic", {
      environment: FROZEN,
      lockHolder: LOCK,
      task: { recorded: "RollbackStarted" },
    }),
    kind: "Roll",
    reason: "RollbackStarted",
    check: (d) => assert.deepEqual(actions(d), { ...NO_ACTION, promote: true }),
  },
  {
    situation: "automatic, a freeze that ended: no break-glass",
    input: input("Automatic", {
      environment: environment({
        gate: { freezes: [{ name: "old", start: "2026-11-01T00:00:00Z", end: "2026-11-02T00:00:00Z" }] },
      }),
    }),
    kind: "Roll",
    reason: "RollbackStarted",
    check: (d) => assert.equal(d.breakGlass, undefined),
  },
  {
    situation: "automatic, lock held by another release's promotion: wait, said once",
    input: input("Automatic", { lockHolder: `${NS}/shop-3` }),
    kind: "Wait",
    reason: "LockHeld",
    check: (d) => {
      assert.deepEqual(actions(d), { ...NO_ACTION, record: "LockHeld", events: ["Normal LockHeld"] });
      assert.equal(d.requeueAfterMs, 15_000);
    },
  },
  {
    situation: "automatic, lock held by another release, already said: wait quietly",
    input: input("Automatic", { lockHolder: `${NS}/shop-3`, task: { recorded: "LockHeld" } }),
    kind: "Wait",
    reason: "LockHeld",
    check: (d) => assert.deepEqual(actions(d), NO_ACTION),
  },
  {
    situation: "automatic, lock held by another rollback: wait",
    input: input("Automatic", { lockHolder: `rollback:${NS}/other-task` }),
    kind: "Wait",
    reason: "LockHeld",
  },
  {
    situation:
      "automatic, a forged lock (no release promoting there, no proven rollback): take it over, audited",
    input: input("Automatic", { lockHolder: `${NS}/ghost`, lockHolderReal: false }),
    kind: "Roll",
    reason: "RollbackStarted",
    check: (d) => {
      assert.deepEqual(d.takeLock, { from: `${NS}/ghost` });
      assert.equal(d.audit[0]?.details.lockTakenFrom, `${NS}/ghost`);
      assert.equal(d.audit[0]?.details.forgedLock, true);
    },
  },
  {
    situation: "automatic, lock still held by the rolled-back release: take it from it",
    input: input("Automatic", { lockHolder: `${NS}/shop-2` }),
    kind: "Roll",
    reason: "RollbackStarted",
    check: (d) => {
      assert.deepEqual(d.takeLock, { from: `${NS}/shop-2` });
      assert.equal(d.audit[0]?.details.lockTakenFrom, `${NS}/shop-2`);
    },
  },
  {
    situation: "automatic, lock ours, started, delivery Deploying: promote again (idempotent), no new record",
    input: input("Automatic", { lockHolder: LOCK, task: { recorded: "RollbackStarted" } }),
    kind: "Roll",
    reason: "RollbackStarted",
    check: (d) => assert.deepEqual(actions(d), { ...NO_ACTION, promote: true }),
  },
  {
    situation: "automatic, lock ours, crash before the record: record and audit the start now",
    input: input("Automatic", { lockHolder: LOCK }),
    kind: "Roll",
    reason: "RollbackStarted",
    check: (d) =>
      assert.deepEqual(actions(d), {
        ...NO_ACTION,
        promote: true,
        record: "RollbackStarted",
        audit: ["RollbackStarted"],
        events: ["Normal RollbackStarted"],
      }),
  },
  {
    situation: "automatic, Deployed at the previous revision: item Done with evidence, lock freed",
    input: input("Automatic", {
      lockHolder: LOCK,
      task: { recorded: "RollbackStarted" },
      delivery: { state: "Deployed", message: "The target runs 1a2b3c4.", revision: GOOD },
    }),
    kind: "Finish",
    reason: "RollbackCompleted",
    check: (d) => {
      assert.deepEqual(actions(d), {
        ...NO_ACTION,
        finish: "Done",
        freeLock: true,
        audit: ["RollbackCompleted"],
        events: ["Normal RollbackCompleted"],
      });
      assert.deepEqual(d.finish?.item, {
        name: "rolled-back",
        state: "Done",
        completedBy: "stagegate-operator",
        evidence: {
          result: "Passed",
          notes:
            `Argo CD Application argocd/shop-prod runs revision ${GOOD}, in sync and healthy, at ` +
            `2026-11-26T10:00:00Z, after Stagegate rolled it back from revision ${BAD}.`,
        },
      });
      assert.equal(d.audit[0]?.details.result, "Passed");
    },
  },
  {
    situation: "automatic, the rollback's delivery Failed: item Failed with the tool's message, lock freed",
    input: input("Automatic", {
      lockHolder: LOCK,
      task: { recorded: "RollbackStarted" },
      delivery: { state: "Failed", message: "The Argo CD sync failed: one or more objects failed to apply." },
    }),
    kind: "Finish",
    reason: "RollbackFailed",
    check: (d) => {
      assert.deepEqual(actions(d), {
        ...NO_ACTION,
        finish: "Failed",
        freeLock: true,
        audit: ["RollbackCompleted"],
        events: ["Warning RollbackFailed"],
      });
      assert.equal(d.finish?.item.evidence.result, "Failed");
      assert.match(d.finish?.item.evidence.notes ?? "", /one or more objects failed to apply/);
    },
  },
  {
    situation:
      "automatic, Deployed while the rolled-back release still holds the lock: finish, leave its lock",
    input: input("Automatic", {
      lockHolder: `${NS}/shop-2`,
      delivery: { state: "Deployed", message: "ok", revision: GOOD },
    }),
    kind: "Finish",
    reason: "RollbackCompleted",
    check: (d) => assert.equal(d.freeLock, undefined),
  },
  {
    situation: "automatic, the delivery object is missing: said once, looked at again",
    input: input("Automatic", {
      delivery: { state: "Missing", message: "Application argocd/shop-prod does not exist." },
    }),
    kind: "Notify",
    reason: "NoTarget",
    check: (d) => assert.equal(d.requeueAfterMs, 15_000),
  },
  {
    situation: "automatic, no target for the environment: said once",
    input: input("Automatic", {
      release: release("Automatic", { targets: [] }),
      previous: undefined,
      delivery: undefined,
    }),
    kind: "Notify",
    reason: "NoTarget",
  },
  {
    situation: "automatic, a Flux HelmRelease target: the previous revision becomes the chart version",
    input: input("Automatic", {
      release: release("Automatic", {
        targets: [
          { environment: "prod", flux: { kind: "HelmRelease", name: "shop", chartVersion: "2.0.0" } },
        ],
      }),
      previous: { ...PREVIOUS, revision: "1.9.0" },
    }),
    kind: "Roll",
    reason: "RollbackStarted",
    check: (d) =>
      assert.deepEqual(d.promote?.flux, {
        kind: "HelmRelease",
        name: "shop",
        namespace: "flux-system",
        chartVersion: "1.9.0",
      }),
  },
  // Already done, or not ours
  {
    situation: "item already Done (by us), lock still ours: free it",
    input: input("Automatic", {
      lockHolder: LOCK,
      task: { spec: rollbackSpec({ checklist: [{ name: "rolled-back", state: "Done" }] }) },
    }),
    kind: "Settle",
    reason: "Finished",
    check: (d) => assert.deepEqual(actions(d), { ...NO_ACTION, freeLock: true }),
  },
  {
    situation: "task Succeeded: open the validation task, nothing else",
    input: input("Automatic", {
      phase: "Succeeded",
      task: {
        spec: rollbackSpec({ checklist: [{ name: "rolled-back", state: "Done" }] }),
        recorded: "RollbackCompleted",
      },
    }),
    kind: "Settle",
    reason: "Finished",
    check: (d) => {
      assert.deepEqual(actions(d), { ...NO_ACTION, openValidation: `${TASK}-validation` });
      const plan = d.openValidation;
      assert.equal(plan?.spec.type, "RollbackValidation");
      assert.deepEqual(plan?.spec.owners, [{ kind: "User", name: "otto" }]);
      assert.deepEqual(
        plan?.spec.checklist.map((i) => i.name),
        ["rollback-validated"],
      );
      assert.deepEqual(plan?.release, { name: "shop-2", uid: "rel-uid" });
      assert.equal(plan?.rollbackTask, TASK);
    },
  },
  {
    situation: "task Failed (the rollback failed), lock already freed: nothing",
    input: input("Automatic", {
      phase: "Failed",
      task: { spec: rollbackSpec({ checklist: [{ name: "rolled-back", state: "Failed" }] }) },
    }),
    kind: "Skip",
    reason: "Finished",
  },
  {
    situation: "task cancelled: nothing",
    input: input("Automatic", { task: { spec: rollbackSpec({ cancelled: true }) } }),
    kind: "Skip",
    reason: "Cancelled",
  },
  {
    situation: "task cancelled while we hold the lock: free it",
    input: input("Automatic", { lockHolder: LOCK, task: { spec: rollbackSpec({ cancelled: true }) } }),
    kind: "Settle",
    reason: "Cancelled",
    check: (d) => assert.deepEqual(actions(d), { ...NO_ACTION, freeLock: true }),
  },
  {
    situation: "release deleted: left to people",
    input: input("Automatic", { release: undefined }),
    kind: "Skip",
    reason: "ReleaseNotFound",
  },
  {
    situation: "not a Rollback task",
    input: input("Automatic", { task: { spec: rollbackSpec({ type: "Checklist" }) } }),
    kind: "Skip",
    reason: "NotRollback",
  },
  // Manual
  {
    situation: "manual: the owner is told what to roll back to and how, nothing touches the target",
    input: input("Manual"),
    kind: "Notify",
    reason: "ManualRollbackRequested",
    check: (d) => {
      assert.deepEqual(actions(d), {
        ...NO_ACTION,
        record: "ManualRollbackRequested",
        events: ["Normal ManualRollbackRequested"],
      });
      assert.match(d.message, /Rollback owner otto/);
      assert.match(d.message, new RegExp(`argocd app sync argocd/shop-prod --revision ${GOOD}`));
      assert.match(d.message, /mark item rolled-back Done/);
    },
  },
  {
    situation: "manual, already told: nothing",
    input: input("Manual", { task: { recorded: "ManualRollbackRequested" } }),
    kind: "Skip",
    reason: "ManualRollbackRequested",
    check: (d) => assert.deepEqual(actions(d), NO_ACTION),
  },
  {
    situation: "manual, frozen: still no action on the target and no change",
    input: input("Manual", { environment: FROZEN }),
    kind: "Notify",
    reason: "ManualRollbackRequested",
    check: (d) => assert.equal(d.breakGlass, undefined),
  },
  {
    situation: "manual, no previous revision: the owner chooses",
    input: input("Manual", { previous: undefined }),
    kind: "Notify",
    reason: "ManualRollbackRequested",
    check: (d) => assert.match(d.message, /knows of no earlier Verified release/),
  },
  {
    situation: "manual, a person marked it Done and it succeeded: validation opens",
    input: input("Manual", {
      phase: "Succeeded",
      task: { spec: rollbackSpec({ checklist: [{ name: "rolled-back", state: "Done" }] }) },
    }),
    kind: "Settle",
    reason: "Finished",
    check: (d) => assert.equal(d.openValidation?.name, `${TASK}-validation`),
  },
  // Disabled
  {
    situation: "disabled: nothing reverted, a warning with the reason, RollbackHeld audited",
    input: input("Disabled", { lockHolder: `${NS}/shop-2` }),
    kind: "Notify",
    reason: "RollbackHeld",
    check: (d) => {
      assert.deepEqual(actions(d), {
        ...NO_ACTION,
        record: "RollbackHeld",
        audit: ["RollbackHeld"],
        events: ["Warning RollbackHeld"],
      });
      assert.match(d.message, /^Rollback disabled: The schema migration cannot be reversed\./);
      assert.equal(d.audit[0]?.details.reason, "The schema migration cannot be reversed");
    },
  },
  {
    situation: "automatic, but the environment no longer owns the target: nothing written",
    input: input("Automatic", {
      targetNotOwned: "Environment prod does not own Argo CD Application argocd/shop.",
    }),
    kind: "Skip",
    reason: "TargetNotOwned",
    check: (d) => {
      assert.deepEqual(actions(d), NO_ACTION);
      assert.match(d.message, /does not own .* writes nothing to it/);
    },
  },
  {
    situation: "disabled, already held: nothing (audited once)",
    input: input("Disabled", { task: { recorded: "RollbackHeld" } }),
    kind: "Skip",
    reason: "RollbackHeld",
    check: (d) => assert.deepEqual(actions(d), NO_ACTION),
  },
];

describe("decideRollback", () => {
  for (const row of ROWS) {
    it(row.situation, () => {
      const decision = decideRollback(row.input, NOW);
      assert.equal(decision.kind, row.kind, decision.message);
      assert.equal(decision.reason, row.reason);
      row.check?.(decision);
    });
  }

  it("opens a break-glass change the schema and the emergency-expiry webhook rule admit", () => {
    for (const env of [FROZEN, environment({ gate: { freezes: FROZEN.gate.freezes } })]) {
      const change = decideRollback(input("Automatic", { environment: env }), NOW).breakGlass;
      assert.ok(change !== undefined);
      assert.ok(ChangeRequestSpec.safeParse(change.spec).success);
      const view = ChangeRequestView.parse({ metadata: { name: change.name }, spec: change.spec });
      // The webhook judges the change a little later than the controller built it.
      for (const skew of [0, 30_000]) {
        const now = new Date(NOW.getTime() + skew);
        assert.deepEqual(
          emergencyExpiry({ changeRequest: view, environment: { state: "found", spec: env }, now }),
          {
            allowed: true,
          },
        );
      }
    }
  });

  describe("names each fact by a transition read from the task before the step", () => {
    const LATER = new Date(NOW.getTime() + 90_000);
    /** The transition of the one entry of `action` a decision carries. */
    const transitionOf = (d: RollbackDecision, action: string): string => {
      const found = d.audit.filter((a) => a.action === action);
      assert.equal(found.length, 1, `${action} in ${JSON.stringify(d.audit.map((a) => a.action))}`);
      const transition = found[0]?.transition;
      assert.ok(transition !== undefined && transition.startsWith(`DeploymentTask/task-uid/${action}`));
      return transition;
    };
    const twice = (made: RollbackInput, action: string): string => {
      const first = transitionOf(decideRollback(made, NOW), action);
      assert.equal(transitionOf(decideRollback(made, LATER), action), first, "the pass after a crash");
      return first;
    };
    const deployed = { state: "Deployed" as const, message: "Sync Synced.", revision: GOOD };

    it("RollbackStarted: once per start, another after a wait for the lock", () => {
      const first = twice(input("Automatic"), "RollbackStarted");
      const again = input("Automatic", {
        task: { recorded: "LockHeld", startedAt: "2026-11-26T09:50:00Z" },
      });
      assert.notEqual(twice(again, "RollbackStarted"), first);
    });

    it("RollbackCompleted: once per start it concludes, whatever the clock", () => {
      const started = { recorded: "RollbackStarted", startedAt: "2026-11-26T09:50:00Z" };
      const done = twice(input("Automatic", { task: started, delivery: deployed }), "RollbackCompleted");
      const failed = twice(
        input("Automatic", { task: started, delivery: { ...deployed, state: "Failed" } }),
        "RollbackCompleted",
      );
      assert.equal(failed, done, "one conclusion of one start, whichever the tool reports first");
      const restarted = input("Automatic", {
        task: { ...started, startedAt: "2026-11-26T09:55:00Z" },
        delivery: deployed,
      });
      assert.notEqual(twice(restarted, "RollbackCompleted"), done);
    });

    it("RollbackHeld: once per step it replaces", () => {
      const first = twice(input("Disabled"), "RollbackHeld");
      assert.notEqual(
        twice(input("Disabled", { task: { recorded: "ManualRollbackRequested" } }), "RollbackHeld"),
        first,
      );
    });

    it("RollbackTaskRefused and RollbackPolicyChangeIgnored", () => {
      const refused = {
        ...input("Automatic"),
        evidence: { opened: false as const, reason: "it carries no seal of the operator" },
      };
      const first = twice(refused, "RollbackTaskRefused");
      assert.notEqual(
        twice({ ...refused, task: { ...refused.task, recorded: "RollbackStarted" } }, "RollbackTaskRefused"),
        first,
      );
      const opened = {
        ...input("Automatic"),
        evidence: { opened: true as const, by: "Alert" as const, policy: "Manual" as const },
      };
      const noted = twice(opened, "RollbackPolicyChangeIgnored");
      const noticedEarlier = { ...opened, task: { ...opened.task, policyNoted: "Disabled" } };
      assert.notEqual(twice(noticedEarlier, "RollbackPolicyChangeIgnored"), noted);
    });
  });

  it("is deterministic: the same input and clock give the same decision", () => {
    const a = decideRollback(input("Automatic", { environment: FROZEN }), NOW);
    const b = decideRollback(input("Automatic", { environment: FROZEN }), NOW);
    assert.deepEqual(a, b);
  });
});

describe("restsOnTheCache (ADR 0054)", () => {
  const rows: { situation: string; input: RollbackInput; rests: boolean }[] = [
    { situation: "the Manual notice, first told", input: input("Manual"), rests: true },
    {
      situation: "the Manual notice already told (nothing to write)",
      input: input("Manual", { task: { recorded: "ManualRollbackRequested" } }),
      rests: false,
    },
    {
      situation: "a Manual target its Environment does not own (decided again live)",
      input: input("Manual", { targetNotOwned: "The Environment does not own it." }),
      rests: false,
    },
    {
      situation: "opened under Manual, Automatic now: the notice carries an audit entry",
      input: { ...input("Automatic"), evidence: { opened: true, by: "Alert", policy: "Manual" } },
      rests: false,
    },
    { situation: "a Disabled hold: audited", input: input("Disabled"), rests: false },
    { situation: "an Automatic rollback: writes the target", input: input("Automatic"), rests: false },
    {
      situation: "a refused hand-made task: audited",
      input: {
        ...input("Manual"),
        evidence: { opened: false, reason: "it carries no seal of the operator" },
      },
      rests: false,
    },
  ];
  for (const row of rows) {
    it(`${row.rests ? "rests" : "does not rest"} on the cache: ${row.situation}`, () => {
      assert.equal(restsOnTheCache(decideRollback(row.input, NOW)), row.rests);
    });
  }

  it("holds only for decisions that write the task alone, with no audit entry, in every row of decideRollback", () => {
    let resting = 0;
    for (const row of ROWS) {
      const decision = decideRollback(row.input, NOW);
      if (!restsOnTheCache(decision)) continue;
      resting++;
      assert.deepEqual(
        actions(decision),
        { ...NO_ACTION, record: "ManualRollbackRequested", events: ["Normal ManualRollbackRequested"] },
        row.situation,
      );
    }
    assert.ok(resting > 0, "some row of decideRollback is a Manual notice");
  });
});
