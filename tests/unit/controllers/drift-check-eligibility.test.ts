import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Condition } from "../../../src/api/v1alpha1/condition.js";
import { DeploymentTaskSpec, type DeploymentTaskStatus } from "../../../src/api/v1alpha1/deployment-task.js";
import { ReleaseSpec } from "../../../src/api/v1alpha1/release.js";
import { planDriftCheck, type DriftSkipReason } from "../../../src/controllers/drift-check/eligibility.js";

const T0 = "2026-11-26T10:00:00Z";

const condition = (type: string, status: Condition["status"], reason: string): Condition => ({
  type,
  status,
  reason,
  message: `${type} is ${status}.`,
  lastTransitionTime: T0,
  observedGeneration: 1,
});

/** The status the DeploymentTask controller writes, by phase, for generation 1. */
const STATUS: Record<string, DeploymentTaskStatus> = {
  Ready: {
    observedGeneration: 1,
    conditions: [
      condition("Succeeded", "Unknown", "InProgress"),
      condition("Blocked", "False", "DependenciesMet"),
    ],
  },
  Blocked: {
    observedGeneration: 1,
    conditions: [
      condition("Succeeded", "Unknown", "Blocked"),
      condition("Blocked", "True", "DependenciesPending"),
    ],
  },
  Succeeded: {
    observedGeneration: 1,
    conditions: [
      condition("Succeeded", "True", "ChecklistComplete"),
      condition("Blocked", "False", "DependenciesMet"),
    ],
  },
  Failed: {
    observedGeneration: 1,
    conditions: [
      condition("Succeeded", "False", "ChecklistItemFailed"),
      condition("Blocked", "False", "DependenciesMet"),
    ],
  },
};

const ITEMS = [
  { name: "drift-checked", description: "Compare live and declared configuration." },
  { name: "drift-resolved", description: "Reconcile or explain every difference." },
];

const RELEASE = ReleaseSpec.parse({
  version: "1.4.0",
  source: { repoURL: "https://git.example.com/shop.git", revision: "4f2c1e0" },
  pipeline: ["dev", "prod"],
  targets: [{ environment: "dev", argoCD: { name: "shop-dev", revision: "4f2c1e0" } }],
  owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "dave" } },
});

interface Row {
  situation: string;
  spec?: Record<string, unknown>;
  status?: DeploymentTaskStatus | "none";
  generation?: number;
  release?: ReleaseSpec | "missing";
  expect: { check: string[] } | { skip: DriftSkipReason };
}

const ROWS: Row[] = [
  { situation: "an open ConfigDrift task with Pending items", expect: { check: ITEMS.map((i) => i.name) } },
  {
    situation: "a checklist with only one of the drift items",
    spec: { checklist: [ITEMS[0], { name: "notes-written" }] },
    expect: { check: ["drift-checked"] },
  },
  { situation: "a task of another type", spec: { type: "SecurityScan" }, expect: { skip: "NotConfigDrift" } },
  { situation: "a cancelled task", spec: { cancelled: true }, expect: { skip: "Cancelled" } },
  {
    situation: "a task without a release",
    spec: { releaseRef: undefined },
    expect: { skip: "NoRelease" },
  },
  {
    situation: "a task without an environment",
    spec: { environment: undefined },
    expect: { skip: "NoRelease" },
  },
  { situation: "a succeeded task", status: STATUS.Succeeded, expect: { skip: "Finished" } },
  { situation: "a failed task", status: STATUS.Failed, expect: { skip: "Finished" } },
  { situation: "a blocked task", status: STATUS.Blocked, expect: { skip: "Blocked" } },
  { situation: "a task with no status yet", status: "none", expect: { skip: "StatusPending" } },
  {
    situation: "a task whose spec changed since its status was written",
    generation: 2,
    expect: { skip: "StatusPending" },
  },
  {
    situation: "a task a person marked drift-checked Done",
    spec: { checklist: [{ ...ITEMS[0], state: "Done", completedBy: "erin" }, ITEMS[1]] },
    expect: { skip: "HandledByPerson" },
  },
  {
    situation: "a task a person marked drift-checked Failed",
    spec: { checklist: [{ ...ITEMS[0], state: "Failed" }, ITEMS[1]] },
    expect: { skip: "HandledByPerson" },
  },
  {
    situation: "a task a person skipped an optional drift item of",
    spec: { checklist: [ITEMS[0], { ...ITEMS[1], required: false, state: "Skipped" }] },
    expect: { skip: "HandledByPerson" },
  },
  {
    situation: "a checklist without drift items",
    spec: { checklist: [{ name: "steps-done" }] },
    expect: { skip: "NoDriftItems" },
  },
  { situation: "a release that no longer exists", release: "missing", expect: { skip: "ReleaseNotFound" } },
  {
    situation: "a release without a target for the environment",
    spec: { environment: "prod" },
    expect: { skip: "NoTarget" },
  },
];

describe("planDriftCheck", () => {
  for (const row of ROWS) {
    it(row.situation, () => {
      const spec = DeploymentTaskSpec.parse({
        type: "ConfigDrift",
        title: "ConfigDrift of shop-1 1.4.0 in dev",
        releaseRef: { name: "shop-1" },
        environment: "dev",
        checklist: ITEMS,
        ...row.spec,
      });
      const plan = planDriftCheck({
        task: {
          metadata: { name: "shop-1-dev-config-drift", generation: row.generation ?? 1 },
          spec,
          status: row.status === "none" ? undefined : (row.status ?? STATUS.Ready),
        },
        release: row.release === "missing" ? undefined : { spec: row.release ?? RELEASE },
      });
      if ("skip" in row.expect) {
        assert.equal(plan.kind, "Skip", JSON.stringify(plan));
        assert.equal(plan.reason, row.expect.skip, plan.message);
        assert.match(plan.message, /^[A-Z].*\.$/, "the message is a sentence");
        return;
      }
      assert.equal(plan.kind, "Check", JSON.stringify(plan));
      assert.deepEqual(plan.items, row.expect.check);
      assert.equal(plan.release, "shop-1");
      assert.equal(plan.environment, "dev");
      assert.equal(plan.target.argoCD?.name, "shop-dev");
    });
  }
});
