import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { taskEventKeys } from "../../../../src/controllers/release/controller.js";
import {
  parsedTask,
  releaseReading,
  taskMemo,
  taskVerdict,
} from "../../../../src/controllers/release/parsed-tasks.js";
import { ROLLBACK_ANNOTATION } from "../../../../src/controllers/rollback/reasons.js";
import {
  ROLLBACK_ORIGIN_ANNOTATION,
  ROLLBACK_POLICY_ANNOTATION,
  ROLLBACK_SEAL_ANNOTATION,
} from "../../../../src/controllers/rollback/seal.js";
import {
  CREATED_AT_ANNOTATION,
  CREATED_BY_ANNOTATION,
  CREATOR_SEAL_ANNOTATION,
} from "../../../../src/controllers/task-creator.js";
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

  it("memoises any value per version and context, also undefined", () => {
    let calls = 0;
    const v1 = task("1", "Ready");
    const compute = (): undefined => {
      calls += 1;
      return undefined;
    };
    assert.equal(taskMemo(v1, "a", compute), undefined);
    assert.equal(taskMemo(v1, "a", compute), undefined);
    assert.equal(calls, 1, "an undefined value is remembered too");
    assert.equal(
      taskMemo(v1, "b", () => 2),
      2,
    );
  });
});

/** A sealed Rollback task of release shop-1 as the receiver creates it (the fields the release reads set). */
function sealed(
  overrides: { metadata?: Partial<KubeObject["metadata"]>; spec?: Record<string, unknown> } = {},
): KubeObject {
  const base: KubeObject = {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "DeploymentTask",
    metadata: {
      name: "rollback-1",
      namespace: "shop",
      resourceVersion: "1",
      creationTimestamp: "2026-12-07T07:00:00Z",
      ownerReferences: [{ apiVersion: "stagegate.io/v1alpha1", kind: "Release", name: "shop-1", uid: "u1" }],
      annotations: {
        [ROLLBACK_SEAL_ANNOTATION]: "ab".repeat(32),
        [ROLLBACK_ORIGIN_ANNOTATION]: "Alert",
        [ROLLBACK_POLICY_ANNOTATION]: "Manual",
      },
    },
    spec: {
      type: "Rollback",
      title: "Roll back",
      releaseRef: { name: "shop-1" },
      environment: "prod",
      alert: {
        name: "HighErrorRate",
        fingerprint: "f1",
        startsAt: "2026-12-07T07:00:00Z",
        receivedAt: "2026-12-07T07:00:00Z",
      },
    },
  };
  return {
    ...base,
    metadata: { ...base.metadata, ...overrides.metadata },
    spec: { ...(base.spec as Record<string, unknown>), ...overrides.spec },
  };
}

const BINDING = {
  release: { name: "shop-1", uid: "u1" },
  environment: "prod",
  artifact: { commit: "a".repeat(40), digests: [] },
  target: { kind: "Application", namespace: "argocd", name: "shop", revision: "a".repeat(40) },
};

describe("what the Release controller reads of a task", () => {
  it("is the same after the rollback controller's notice and a status write that keeps the phase", () => {
    const created = sealed();
    const noticed: KubeObject = {
      ...sealed({
        metadata: {
          resourceVersion: "2",
          generation: 2,
          annotations: { ...created.metadata.annotations, [ROLLBACK_ANNOTATION]: "ManualRollbackRequested" },
        },
        spec: {
          log: [{ time: "2026-12-07T07:00:01Z", author: "stagegate", kind: "Comment", message: "roll back" }],
        },
      }),
    };
    assert.equal(releaseReading(noticed), releaseReading(created));
    const statusKeepsPhase = {
      ...noticed,
      status: { phase: undefined, observedGeneration: 2, conditions: [] },
    };
    assert.equal(releaseReading(statusKeepsPhase), releaseReading(created));
  });

  it("reads the phase of verifications and of bound tasks, not of an unbound Rollback task", () => {
    const phased = (obj: KubeObject, phase: string): string => releaseReading({ ...obj, status: { phase } });
    const rollback = sealed();
    assert.equal(phased(rollback, "Ready"), phased(rollback, "Succeeded"));
    const bound = sealed({ spec: { binding: BINDING } });
    assert.notEqual(phased(bound, "Ready"), phased(bound, "Succeeded"));
    const verification = sealed({ spec: { type: "PostDeployVerification" } });
    assert.notEqual(phased(verification, "Ready"), phased(verification, "Failed"));
  });

  it("changes with every field the release's view of the task reads", () => {
    assert.notEqual(parsedTask(sealed()).spec, undefined, "the base task reads");
    const before = releaseReading(sealed());
    const changed: [string, KubeObject][] = [
      [
        "phase of a verification",
        { ...sealed({ spec: { type: "PostDeployVerification" } }), status: { phase: "Ready" } },
      ],
      ["environment", sealed({ spec: { environment: "staging" } })],
      ["type", sealed({ spec: { type: "Approval" } })],
      [
        "alert",
        sealed({ spec: { alert: { ...(sealed().spec as { alert: object }).alert, name: "Other" } } }),
      ],
      ["release", sealed({ spec: { releaseRef: { name: "shop-2" } } })],
      ["spec validity", sealed({ spec: { type: "NotAType" } })],
      [
        "binding",
        sealed({
          spec: {
            binding: BINDING,
          },
        }),
      ],
      ["owner", sealed({ metadata: { ownerReferences: [] } })],
      ["name", sealed({ metadata: { name: "rollback-2" } })],
      ["generateName", sealed({ metadata: { generateName: "rollback-" } })],
      ["creation time", sealed({ metadata: { creationTimestamp: "2026-12-07T07:00:05Z" } })],
    ];
    for (const annotation of [
      ROLLBACK_SEAL_ANNOTATION,
      ROLLBACK_ORIGIN_ANNOTATION,
      ROLLBACK_POLICY_ANNOTATION,
      CREATED_BY_ANNOTATION,
      CREATED_AT_ANNOTATION,
      CREATOR_SEAL_ANNOTATION,
    ]) {
      const annotations = { ...sealed().metadata.annotations, [annotation]: "edited" };
      changed.push([annotation, sealed({ metadata: { annotations } })]);
    }
    for (const [what, obj] of changed) assert.notEqual(releaseReading(obj), before, what);
    const bound = changed.find(([what]) => what === "binding")?.[1];
    assert.notEqual(
      bound === undefined ? undefined : parsedTask(bound).spec?.binding,
      undefined,
      "the binding reads",
    );
  });

  it("wakes the release on a task's creation, deletion, resync and any update it reads, and not otherwise", () => {
    const created = sealed();
    const noticed = sealed({
      metadata: {
        resourceVersion: "2",
        annotations: { ...created.metadata.annotations, [ROLLBACK_ANNOTATION]: "ManualRollbackRequested" },
      },
      spec: { log: [{ time: "2026-12-07T07:00:01Z", author: "stagegate", kind: "Comment", message: "x" }] },
    });
    const ready = {
      ...noticed,
      metadata: { ...noticed.metadata, resourceVersion: "3" },
      status: { phase: "Ready" },
    };
    assert.deepEqual(taskEventKeys({ type: "added", object: created }), ["shop/shop-1"]);
    assert.deepEqual(taskEventKeys({ type: "updated", object: noticed, old: created }), []);
    assert.deepEqual(
      taskEventKeys({ type: "updated", object: ready, old: noticed }),
      [],
      "an unbound Rollback task's phase decides nothing for the release",
    );
    const verification = sealed({ spec: { type: "PostDeployVerification" } });
    const verified = { ...verification, status: { phase: "Succeeded" } };
    assert.deepEqual(taskEventKeys({ type: "updated", object: verified, old: verification }), [
      "shop/shop-1",
    ]);
    assert.deepEqual(
      taskEventKeys({ type: "updated", object: noticed }),
      ["shop/shop-1"],
      "no old copy: wake",
    );
    assert.deepEqual(taskEventKeys({ type: "resync", object: noticed }), ["shop/shop-1"]);
    assert.deepEqual(taskEventKeys({ type: "deleted", object: noticed }), ["shop/shop-1"]);
    const moved = sealed({ spec: { releaseRef: { name: "shop-2" } } });
    assert.deepEqual(taskEventKeys({ type: "updated", object: moved, old: created }), ["shop/shop-2"]);
  });
});
