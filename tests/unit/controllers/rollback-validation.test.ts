import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { z } from "zod";
import { DeploymentTaskSpec, type AlertEvidence } from "../../../src/api/v1alpha1/deployment-task.js";
import { ReleaseTarget } from "../../../src/api/v1alpha1/release-target.js";
import { checklistFor } from "../../../src/controllers/release/checklists.js";
import type { TargetClaim } from "../../../src/controllers/release/target-claims.js";
import { previousRevision, rollbackTarget } from "../../../src/controllers/rollback/previous-revision.js";
import {
  decideValidation,
  type ValidationDecision,
  type ValidationInput,
} from "../../../src/controllers/rollback/validation.js";

const NOW = new Date("2026-11-26T10:30:00Z");
const TASK = "shop-2-prod-rollback-3fa1c2-20261126094500";
const GOOD = "1a2b3c4d5e6f708192a3b4c5d6e7f80912345678";
const BAD = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";
const TARGET = ReleaseTarget.parse({ environment: "prod", argoCD: { name: "shop-prod", revision: BAD } });
const ALERT: AlertEvidence = {
  name: "HighErrorRate",
  fingerprint: "3fa1c2",
  startsAt: "2026-11-26T09:45:00Z",
  labels: {},
  annotations: {},
  receivedAt: "2026-11-26T09:45:05Z",
};
const RESOLVED: AlertEvidence = { ...ALERT, resolvedAt: "2026-11-26T10:20:00Z" };
const PREVIOUS: TargetClaim = {
  release: "shop/shop-1",
  environment: "prod",
  revision: GOOD,
  state: "Verified",
  deployStartedAt: "2026-11-20T09:00:00Z",
};

function validationSpec(change: Partial<z.input<typeof DeploymentTaskSpec>> = {}): DeploymentTaskSpec {
  return DeploymentTaskSpec.parse({
    type: "RollbackValidation",
    title: "Validate the rollback of shop-2 in prod",
    releaseRef: { name: "shop-2" },
    environment: "prod",
    owners: [{ name: "otto" }],
    checklist: checklistFor("RollbackValidation"),
    ...change,
  });
}

const HEALTHY = { state: "Deployed" as const, message: "The target runs 1a2b3c4.", revision: GOOD };
const SYNCING = {
  state: "Deploying" as const,
  message: "Sync OutOfSync, health Progressing.",
  revision: BAD,
};

function input(over: Partial<ValidationInput> & { recorded?: string } = {}): ValidationInput {
  const { recorded, ...rest } = over;
  return {
    task: {
      namespace: "shop",
      name: `${TASK}-validation`,
      uid: "v-uid",
      spec: validationSpec(),
      phase: "Ready",
      ...(recorded === undefined ? {} : { recorded }),
    },
    rollback: { name: TASK, phase: "Succeeded", alert: RESOLVED },
    release: "shop-2",
    target: TARGET,
    previous: PREVIOUS,
    rolledBackRevision: BAD,
    delivery: HEALTHY,
    ...rest,
  };
}

interface Row {
  situation: string;
  input: ValidationInput;
  kind: ValidationDecision["kind"];
  reason?: string;
  announced?: boolean;
}

const ROWS: Row[] = [
  { situation: "healthy on the previous revision and the alert resolved", input: input(), kind: "Complete" },
  {
    situation: "healthy, the alert still firing: wait on resolution, announced",
    input: input({ rollback: { name: TASK, phase: "Succeeded", alert: ALERT } }),
    kind: "Wait",
    reason: "AlertFiring",
    announced: true,
  },
  {
    situation: "healthy, the alert still firing, already said: wait quietly",
    input: input({ rollback: { name: TASK, phase: "Succeeded", alert: ALERT }, recorded: "AlertFiring" }),
    kind: "Wait",
    reason: "AlertFiring",
    announced: false,
  },
  {
    situation: "alert resolved, the target still syncing: wait on health",
    input: input({ delivery: SYNCING }),
    kind: "Wait",
    reason: "TargetNotHealthy",
    announced: true,
  },
  {
    situation: "neither healthy nor resolved: health is named first",
    input: input({ delivery: SYNCING, rollback: { name: TASK, phase: "Succeeded", alert: ALERT } }),
    kind: "Wait",
    reason: "TargetNotHealthy",
    announced: true,
  },
  {
    situation: "was waiting on health, now waits on resolution: the new reason is announced",
    input: input({
      rollback: { name: TASK, phase: "Succeeded", alert: ALERT },
      recorded: "TargetNotHealthy",
    }),
    kind: "Wait",
    reason: "AlertFiring",
    announced: true,
  },
  {
    situation: "a rollback without an alert (failed verification) needs only the healthy target",
    input: input({ rollback: { name: TASK, phase: "Succeeded" } }),
    kind: "Complete",
  },
  {
    situation: "no previous revision known: healthy on another revision than the rolled-back one",
    input: input({ previous: undefined, delivery: { ...HEALTHY, revision: "0123456789abcdef0123" } }),
    kind: "Complete",
  },
  {
    situation: "no previous revision known, still on the rolled-back revision: wait",
    input: input({ previous: undefined, delivery: { ...HEALTHY, revision: BAD } }),
    kind: "Wait",
    reason: "TargetNotHealthy",
    announced: true,
  },
  {
    situation: "already validated by a person: nothing",
    input: input({
      task: {
        namespace: "shop",
        name: `${TASK}-validation`,
        spec: validationSpec({ checklist: [{ name: "rollback-validated", state: "Done" }] }),
        phase: "Succeeded",
      },
    }),
    kind: "Skip",
    reason: "Finished",
  },
  {
    situation: "the item is Done but the status lags: nothing",
    input: input({
      task: {
        namespace: "shop",
        name: `${TASK}-validation`,
        spec: validationSpec({ checklist: [{ name: "rollback-validated", state: "Done" }] }),
        phase: "Ready",
      },
    }),
    kind: "Skip",
    reason: "HandledByPerson",
  },
  {
    situation: "the Rollback task is gone: nothing",
    input: input({ rollback: undefined }),
    kind: "Skip",
    reason: "RollbackNotFound",
  },
  {
    situation: "the Rollback task did not succeed: nothing",
    input: input({ rollback: { name: TASK, phase: "Failed", alert: RESOLVED } }),
    kind: "Skip",
    reason: "RollbackOpen",
  },
  {
    situation: "no target to look at: left to people",
    input: input({ target: undefined, delivery: undefined }),
    kind: "Skip",
    reason: "NoTarget",
  },
];

describe("decideValidation", () => {
  for (const row of ROWS) {
    it(row.situation, () => {
      const d = decideValidation(row.input, NOW);
      assert.equal(d.kind, row.kind, JSON.stringify(d));
      if (row.reason !== undefined) assert.equal("reason" in d ? d.reason : undefined, row.reason);
      if (d.kind === "Wait" && row.announced !== undefined) {
        assert.equal(d.annotation !== undefined, row.announced);
        assert.equal(d.event !== undefined, row.announced);
        assert.equal(d.requeueAfterMs, 15_000);
      }
    });
  }

  it("completes with evidence naming the target, the revision and the resolution, and audits it", () => {
    const d = decideValidation(input(), NOW);
    assert.equal(d.kind, "Complete");
    if (d.kind !== "Complete") return;
    assert.deepEqual(d.item, {
      name: "rollback-validated",
      state: "Done",
      completedBy: "stagegate-operator",
      evidence: {
        result: "Passed",
        notes:
          `Argo CD Application argocd/shop-prod is in sync and healthy on revision ${GOOD} at ` +
          "2026-11-26T10:30:00Z, and alert HighErrorRate (fingerprint 3fa1c2) resolved at 2026-11-26T10:20:00Z.",
      },
    });
    assert.equal(d.annotation, "RollbackValidated");
    assert.equal(d.audit.action, "RollbackValidated");
    assert.equal(d.audit.actor, "stagegate-operator");
    assert.deepEqual(d.audit.object, {
      kind: "DeploymentTask",
      namespace: "shop",
      name: `${TASK}-validation`,
      uid: "v-uid",
    });
    assert.equal(d.audit.details.rollbackTask, TASK);
    assert.equal(d.event.type, "Normal");
  });

  it("names the validation once per task, whenever a pass decides it", () => {
    const transition = (made: ValidationInput, now: Date) => {
      const d = decideValidation(made, now);
      assert.equal(d.kind, "Complete");
      return d.kind === "Complete" ? d.audit.transition : undefined;
    };
    const first = transition(input(), NOW);
    assert.equal(first, "DeploymentTask/v-uid/RollbackValidated/rollback-validated/g0");
    assert.equal(transition(input(), new Date(NOW.getTime() + 60_000)), first, "the pass after a crash");
    const recreated = input();
    assert.notEqual(transition({ ...recreated, task: { ...recreated.task, uid: "w-uid" } }, NOW), first);
    const reset = { ...recreated, task: { ...recreated.task, generation: 4 } };
    assert.notEqual(transition(reset, NOW), first, "after a person set the item back to Pending");
  });
});

describe("previousRevision", () => {
  const claim = (release: string, started: string | undefined, state: TargetClaim["state"] = "Verified") => ({
    release,
    environment: "prod",
    revision: `rev-of-${release}`,
    state,
    deployStartedAt: started,
  });

  it("is the latest Verified promotion that started before the release did", () => {
    const claims = [
      claim("shop/shop-0", "2026-11-01T00:00:00Z"),
      claim("shop/shop-1", "2026-11-20T00:00:00Z"),
      claim("shop/shop-3", "2026-11-27T00:00:00Z"),
      claim("shop/shop-x", "2026-11-22T00:00:00Z", "Failed"),
    ];
    assert.equal(previousRevision(claims, "2026-11-26T09:00:00Z")?.release, "shop/shop-1");
  });

  it("breaks ties by release name", () => {
    const claims = [claim("shop/a", "2026-11-20T00:00:00Z"), claim("shop/b", "2026-11-20T00:00:00Z")];
    assert.equal(previousRevision(claims, "2026-11-26T09:00:00Z")?.release, "shop/b");
  });

  it("is undefined without an earlier Verified promotion, or when the release never deployed", () => {
    assert.equal(
      previousRevision([claim("shop/late", "2026-11-27T00:00:00Z")], "2026-11-26T09:00:00Z"),
      undefined,
    );
    assert.equal(previousRevision([claim("shop/x", undefined)], "2026-11-26T09:00:00Z"), undefined);
    assert.equal(previousRevision([claim("shop/shop-1", "2026-11-20T00:00:00Z")], undefined), undefined);
    assert.equal(previousRevision([], "2026-11-26T09:00:00Z"), undefined);
  });
});

describe("rollbackTarget", () => {
  it("changes only the revision the adapter delivers", () => {
    assert.deepEqual(rollbackTarget(TARGET, GOOD).argoCD, {
      name: "shop-prod",
      namespace: "argocd",
      revision: GOOD,
      mode: "Sync",
    });
    const ks = ReleaseTarget.parse({
      environment: "prod",
      flux: { kind: "Kustomization", name: "shop", revision: BAD },
    });
    assert.equal(rollbackTarget(ks, GOOD).flux?.revision, GOOD);
    const hr = ReleaseTarget.parse({
      environment: "prod",
      flux: { kind: "HelmRelease", name: "shop", chartVersion: "2.0.0" },
    });
    assert.equal(rollbackTarget(hr, "1.9.0").flux?.chartVersion, "1.9.0");
    assert.equal(TARGET.argoCD?.revision, BAD, "the release's own target is not changed");
  });
});
