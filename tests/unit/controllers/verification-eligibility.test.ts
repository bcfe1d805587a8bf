import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Condition } from "../../../src/api/v1alpha1/condition.js";
import { DeploymentTaskSpec, type DeploymentTaskStatus } from "../../../src/api/v1alpha1/deployment-task.js";
import { EnvironmentSpec } from "../../../src/api/v1alpha1/environment.js";
import { ReleaseSpec, type ReleaseEnvironmentStatus } from "../../../src/api/v1alpha1/release.js";
import {
  planVerification,
  type VerificationPlanInput,
} from "../../../src/controllers/verification/eligibility.js";

const T0 = "2026-11-26T10:00:00Z";
const condition = (type: string, status: Condition["status"], reason: string): Condition => ({
  type,
  status,
  reason,
  message: `${type} is ${status}.`,
  lastTransitionTime: T0,
  observedGeneration: 1,
});
const statusOf = (
  succeeded: [Condition["status"], string],
  blocked: Condition["status"],
): DeploymentTaskStatus => ({
  observedGeneration: 1,
  conditions: [condition("Succeeded", ...succeeded), condition("Blocked", blocked, "X")],
});
const READY = statusOf(["Unknown", "InProgress"], "False");

const TASK = DeploymentTaskSpec.parse({
  type: "PostDeployVerification",
  title: "Verify shop-1 in prod",
  releaseRef: { name: "shop-1" },
  environment: "prod",
  checklist: [{ name: "metrics-healthy" }],
});
const ENV = EnvironmentSpec.parse({
  gate: { requiredChecks: ["PostDeployVerification"] },
  verification: {
    prometheusURL: "http://prometheus:9090",
    window: "1m",
    interval: "20s",
    checks: [{ name: "error-rate", query: "vector(0)", threshold: { max: 0.1 } }],
  },
});
const RELEASE = ReleaseSpec.parse({
  version: "1.4.0",
  source: { repoURL: "https://git.example.com/shop.git", revision: "4f2c1e0" },
  pipeline: ["prod"],
  targets: [{ environment: "prod", argoCD: { name: "shop-prod", revision: "4f2c1e0" } }],
  owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "rita" } },
  rollbackPolicy: { mode: "Automatic" },
});
const DEPLOYED: ReleaseEnvironmentStatus = {
  name: "prod",
  state: "Deployed",
  revision: "4f2c1e0d9b",
  deployStartedAt: "2026-11-26T10:00:00Z",
  deployedAt: "2026-11-26T10:00:30Z",
};

const input = (over: {
  task?: Partial<DeploymentTaskSpec>;
  status?: DeploymentTaskStatus;
  env?: EnvironmentSpec | null;
  entry?: Partial<ReleaseEnvironmentStatus> | null;
  release?: null;
}): VerificationPlanInput => ({
  task: { spec: { ...TASK, ...over.task }, status: over.status ?? READY },
  environment: over.env === null ? undefined : { spec: over.env ?? ENV },
  release:
    over.release === null
      ? undefined
      : {
          spec: RELEASE,
          status: { environments: over.entry === null ? [] : [{ ...DEPLOYED, ...over.entry }] },
        },
});

describe("planVerification", () => {
  const rows: { situation: string; input: VerificationPlanInput; kind: string; reason?: string }[] = [
    { situation: "a deployed release", input: input({}), kind: "Verify" },
    {
      situation: "another type of task",
      input: input({ task: { type: "SecurityScan" } }),
      kind: "Skip",
      reason: "NotPostDeployVerification",
    },
    {
      situation: "a cancelled task",
      input: input({ task: { cancelled: true } }),
      kind: "Skip",
      reason: "Cancelled",
    },
    {
      situation: "a task of no release",
      input: input({ task: { releaseRef: undefined } }),
      kind: "Skip",
      reason: "NoRelease",
    },
    {
      situation: "a succeeded task",
      input: input({ status: statusOf(["True", "ChecklistComplete"], "False") }),
      kind: "Skip",
      reason: "Finished",
    },
    {
      situation: "a failed task",
      input: input({ status: statusOf(["False", "ChecklistItemFailed"], "False") }),
      kind: "Skip",
      reason: "Finished",
    },
    {
      situation: "a checklist without the measured item (no verification when opened)",
      input: input({
        task: {
          checklist: DeploymentTaskSpec.parse({ ...TASK, checklist: [{ name: "smoke-tests-passed" }] })
            .checklist,
        },
      }),
      kind: "Skip",
      reason: "NoMeasuredItem",
    },
    {
      situation: "an item a person (or a previous pass) concluded",
      input: input({
        task: {
          checklist: DeploymentTaskSpec.parse({
            ...TASK,
            checklist: [{ name: "metrics-healthy", state: "Done" }],
          }).checklist,
        },
      }),
      kind: "Skip",
      reason: "ItemConcluded",
    },
    {
      situation: "a missing Environment",
      input: input({ env: null }),
      kind: "Skip",
      reason: "EnvironmentNotFound",
    },
    {
      situation: "an Environment without verification",
      input: input({ env: EnvironmentSpec.parse({}) }),
      kind: "Skip",
      reason: "NoVerificationPolicy",
    },
    {
      situation: "a missing Release",
      input: input({ release: null }),
      kind: "Skip",
      reason: "ReleaseNotFound",
    },
    {
      situation: "a blocked task",
      input: input({ status: statusOf(["Unknown", "Blocked"], "True") }),
      kind: "Wait",
      reason: "Blocked",
    },
    {
      situation: "a release still deploying",
      input: input({ entry: { state: "Deploying", deployedAt: undefined } }),
      kind: "Wait",
      reason: "NotDeployed",
    },
    {
      situation: "a release gated",
      input: input({ entry: { state: "Gated", deployedAt: undefined, deployStartedAt: undefined } }),
      kind: "Wait",
      reason: "NotDeployed",
    },
    {
      situation: "a release already verified",
      input: input({ entry: { state: "Verified" } }),
      kind: "Skip",
      reason: "ReleaseMovedOn",
    },
    {
      situation: "a release that failed before it deployed",
      input: input({ entry: { state: "Failed", deployedAt: undefined } }),
      kind: "Skip",
      reason: "ReleaseMovedOn",
    },
    {
      situation: "a release with no entry for the environment",
      input: input({ entry: null }),
      kind: "Skip",
      reason: "ReleaseMovedOn",
    },
  ];
  for (const row of rows) {
    it(`${row.situation}: ${row.kind}${row.reason === undefined ? "" : ` (${row.reason})`}`, () => {
      const plan = planVerification(row.input);
      assert.equal(plan.kind, row.kind, JSON.stringify(plan));
      if (plan.kind !== "Verify") assert.equal(plan.reason, row.reason);
    });
  }

  it("verifies against the environment's policy, on the deployment's schedule, for the revision deployed", () => {
    const plan = planVerification(input({}));
    assert.equal(plan.kind, "Verify");
    if (plan.kind !== "Verify") return;
    assert.equal(plan.revision, "4f2c1e0d9b");
    assert.equal(plan.finishOnly, false);
    assert.deepEqual(plan.rollback, {
      owner: { kind: "User", name: "rita" },
      mode: "Automatic",
      version: "1.4.0",
    });
    assert.equal(plan.schedule.baselineAt.toISOString(), "2026-11-26T10:00:00.000Z");
    assert.deepEqual(
      plan.schedule.instants.map((at) => at.toISOString()),
      ["2026-11-26T10:00:50.000Z", "2026-11-26T10:01:10.000Z", "2026-11-26T10:01:30.000Z"],
    );
  });

  it("only finishes a recorded failure once the deployed environment is Failed (its own rollback fails it)", () => {
    const plan = planVerification(input({ entry: { state: "Failed" } }));
    assert.equal(plan.kind === "Verify" ? plan.finishOnly : undefined, true);
  });
});
