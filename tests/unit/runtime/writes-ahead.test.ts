import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import { WritesAhead } from "../../../src/runtime/informer/writes-ahead.js";

const at = (resourceVersion: string, lock?: string): KubeObject => ({
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Application",
  metadata: {
    name: "shop",
    namespace: "argocd",
    resourceVersion,
    ...(lock === undefined ? {} : { annotations: { "stagegate.io/locked-by": lock } }),
  },
});
const KEY = "argocd/shop";

describe("WritesAhead: own writes made from a version the cache has not reached", () => {
  it("holds the write until the cache reaches the version it replaced, then serves the write instead", () => {
    const ahead = new WritesAhead();
    ahead.hold(KEY, "282", at("283", "team/shop"));
    assert.equal(
      ahead.resolve(KEY, at("280")).metadata.resourceVersion,
      "280",
      "an older version passes through",
    );
    assert.equal(
      ahead.resolve(KEY, at("281")).metadata.resourceVersion,
      "281",
      "an older version passes through",
    );
    const served = ahead.resolve(KEY, at("282"));
    assert.equal(
      served.metadata.resourceVersion,
      "283",
      "the version it replaced is followed by the write itself",
    );
    assert.equal(served.metadata.annotations?.["stagegate.io/locked-by"], "team/shop");
    assert.equal(ahead.size, 0, "used once");
    assert.equal(ahead.resolve(KEY, at("282")).metadata.resourceVersion, "282");
  });

  it("forgets the write when its own version arrives first, when the object is deleted, or when it is too old", () => {
    let now = 0;
    const ahead = new WritesAhead(() => now);
    ahead.hold(KEY, "282", at("283"));
    assert.equal(ahead.resolve(KEY, at("283")).metadata.resourceVersion, "283");
    assert.equal(ahead.size, 0);
    ahead.hold(KEY, "282", at("283"));
    ahead.forget(KEY);
    assert.equal(ahead.resolve(KEY, at("282")).metadata.resourceVersion, "282");
    ahead.hold(KEY, "282", at("283"));
    now = 61_000;
    assert.equal(
      ahead.resolve(KEY, at("282")).metadata.resourceVersion,
      "282",
      "too old: not trusted any more",
    );
    assert.equal(ahead.size, 0);
  });

  it("serves only the object it was held for, and keeps a bounded number of writes", () => {
    const ahead = new WritesAhead();
    ahead.hold(KEY, "282", at("283"));
    assert.equal(ahead.resolve("argocd/other", at("282")).metadata.resourceVersion, "282");
    for (let i = 0; i < 1_100; i++) ahead.hold(`ns/o${i}`, "1", at("2"));
    assert.equal(ahead.size, 1_000);
    assert.equal(ahead.resolve(KEY, at("282")).metadata.resourceVersion, "282", "the oldest went first");
  });
});
