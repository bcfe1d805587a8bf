import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findRelease } from "../../../src/controllers/task-context.js";
import type { Informers } from "../../../src/controllers/informers.js";
import { ObjectStore } from "../../../src/runtime/informer/store.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import { releaseSpec, UID } from "./release-fixtures.js";

function release(resourceVersion: string, spec: unknown): KubeObject {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Release",
    metadata: { name: "shop", namespace: "team", uid: UID, resourceVersion },
    spec,
  };
}

describe("findRelease", () => {
  it("reads a cached release version once, and a replaced version anew", () => {
    const store = new ObjectStore();
    const informers = { releases: { store } } as unknown as Pick<Informers, "releases">;
    const v1 = release("1", releaseSpec());
    store.upsert(v1);
    const first = findRelease(informers, "team", "shop");
    assert.equal(first?.object, v1);
    assert.equal(findRelease(informers, "team", "shop"), first, "the same version is read once");
    const v2 = release("2", releaseSpec({ pipeline: ["dev", "prod"] }));
    store.upsert(v2);
    const second = findRelease(informers, "team", "shop");
    assert.equal(second?.object, v2);
    assert.deepEqual(second?.spec.pipeline, ["dev", "prod"]);
    store.upsert(release("3", { pipeline: "not a list" }));
    assert.equal(findRelease(informers, "team", "shop"), undefined, "a spec that does not read");
    assert.equal(findRelease(informers, "team", "other"), undefined);
    assert.equal(findRelease(informers, "team", undefined), undefined);
  });
});
