import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsedTask, taskVerdict } from "../../../../src/controllers/release/parsed-tasks.js";
import type { KubeObject } from "../../../../src/runtime/kube/object.js";

function task(resourceVersion: string, phase: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "DeploymentTask",
    metadata: { name: "rollback-1", namespace: "shop", resourceVersion },
    spec: { type: "Rollback", title: "Roll back", environment: "prod", ...spec },
    status: { phase },
  };
}

describe("parsed cached tasks", () => {
  it("parses each version once, and a new version afresh", () => {
    const v1 = task("1", "Ready");
    const first = parsedTask(v1);
    assert.equal(parsedTask(v1), first, "the same version is not parsed again");
    assert.equal(first.spec?.environment, "prod");
    assert.equal(first.phase, "Ready");
    const v2 = task("2", "Succeeded");
    assert.equal(parsedTask(v2).phase, "Succeeded");
  });

  it("reads an invalid spec or status as absent, as the gate did before", () => {
    const bad = task("3", "NotAPhase", { type: "NotAType" });
    assert.deepEqual(parsedTask(bad), { spec: undefined, phase: undefined });
  });

  it("computes a verdict once per version and context, and again for another of either", () => {
    const calls: string[] = [];
    const verdict = (obj: KubeObject, context: string, value: boolean): boolean =>
      taskVerdict(obj, context, () => {
        calls.push(`${obj.metadata.resourceVersion}:${context}`);
        return value;
      });
    const v1 = task("1", "Ready");
    assert.equal(verdict(v1, "prod", true), true);
    assert.equal(verdict(v1, "prod", false), true, "the cached verdict of this version and context");
    assert.equal(verdict(v1, "staging", false), false);
    assert.equal(verdict(task("2", "Ready"), "prod", false), false);
    assert.deepEqual(calls, ["1:prod", "1:staging", "2:prod"]);
  });
});
