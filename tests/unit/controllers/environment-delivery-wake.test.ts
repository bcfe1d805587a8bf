import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deliveryObjectEventKeys } from "../../../src/controllers/environment/delivery-overlap.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";

const ENVIRONMENTS = ["dev", "prod"];

function application(
  labels: Record<string, string> | undefined,
  status: Record<string, unknown>,
): KubeObject {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name: "shop", namespace: "argocd", ...(labels === undefined ? {} : { labels }) },
    spec: { source: { targetRevision: "main" } },
    status,
  };
}

describe("Which delivery object events wake the Environments (the overlap reads kind, place and labels)", () => {
  const keys = deliveryObjectEventKeys(() => ENVIRONMENTS);
  const synced = application({ team: "shop" }, { sync: { status: "Synced", revision: "a" } });

  it("wakes every Environment when a delivery object is created, deleted or re-delivered", () => {
    for (const type of ["added", "deleted", "resync"] as const) {
      assert.deepEqual(keys({ type, object: synced }), ENVIRONMENTS, type);
    }
  });

  it("wakes them when its labels change, are added or are removed", () => {
    const relabelled = application({ team: "payments" }, synced.status as Record<string, unknown>);
    const unlabelled = application(undefined, synced.status as Record<string, unknown>);
    assert.deepEqual(keys({ type: "updated", object: relabelled, old: synced }), ENVIRONMENTS);
    assert.deepEqual(keys({ type: "updated", object: unlabelled, old: synced }), ENVIRONMENTS);
    assert.deepEqual(keys({ type: "updated", object: synced, old: unlabelled }), ENVIRONMENTS);
  });

  it("wakes none when only its status or spec changed (a GitOps tool's sync)", () => {
    const next = application({ team: "shop" }, { sync: { status: "OutOfSync", revision: "b" } });
    next.spec = { source: { targetRevision: "v2" } };
    assert.deepEqual(keys({ type: "updated", object: next, old: synced }), []);
  });

  it("wakes them on an update that comes without the old copy", () => {
    assert.deepEqual(keys({ type: "updated", object: synced }), ENVIRONMENTS);
    const unlabelled = application(undefined, synced.status as Record<string, unknown>);
    assert.deepEqual(keys({ type: "updated", object: unlabelled }), ENVIRONMENTS);
  });
});
