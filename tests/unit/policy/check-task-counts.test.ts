import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GateBinding } from "../../../src/api/v1alpha1/binding.js";
import { countsForGate, type CheckTaskEvidence } from "../../../src/policy/check-task-counts.js";

const COMMIT = "a".repeat(40);
const expected: GateBinding = {
  release: { name: "shop", uid: "uid-shop" },
  environment: "prod",
  artifact: { commit: COMMIT, digests: [`sha256:${"b".repeat(64)}`] },
  target: { kind: "Application", namespace: "argocd", name: "shop-prod", revision: COMMIT },
};
const owner = { kind: "Release", uid: "uid-shop", controller: true };

function task(binding: GateBinding | undefined, refs = [owner]): CheckTaskEvidence {
  return { metadata: { name: "shop-prod-security-scan", ownerReferences: refs }, spec: { binding } };
}

describe("countsForGate: only tasks the operator opened for this exact artifact count", () => {
  const rows: { situation: string; task: CheckTaskEvidence; message?: RegExp }[] = [
    {
      situation: "the operator's task for this release, environment, artifact and target",
      task: task(expected),
    },
    {
      situation: "a task with no binding (a person's work item of the same type)",
      task: task(undefined),
      message: /carries no binding/,
    },
    {
      situation: "a task of the previous artifact (a scan done for another commit)",
      task: task({ ...expected, artifact: { commit: "c".repeat(40), digests: expected.artifact.digests } }),
      message: new RegExp(`bound to commit c{40}, not ${COMMIT}`),
    },
    {
      situation: "a task of a re-created release of the same name",
      task: task({ ...expected, release: { name: "shop", uid: "uid-old" } }),
      message: /bound to release shop \(uid uid-old\)/,
    },
    {
      situation: "a task of another environment",
      task: task({ ...expected, environment: "staging" }),
      message: /bound to environment staging/,
    },
    {
      situation: "a bound task no longer controlled by the release",
      task: task(expected, [{ ...owner, controller: false }]),
      message: /not controlled by release shop \(uid uid-shop\)/,
    },
    {
      situation: "a bound task controlled by another release's UID",
      task: task(expected, [{ ...owner, uid: "uid-other" }]),
      message: /not controlled by release shop/,
    },
  ];
  for (const row of rows) {
    it(row.situation, () => {
      const result = countsForGate(row.task, expected);
      if (row.message === undefined) {
        assert.deepEqual(result, { counts: true });
        return;
      }
      assert.equal(result.counts, false);
      assert.ok(!result.counts);
      assert.equal(result.reason, "CheckTaskNotBound");
      assert.match(result.message, row.message);
    });
  }
});
