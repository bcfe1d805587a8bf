import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ObjectStore } from "../../../src/runtime/informer/store.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";

function task(name: string, dependsOn: string[], resourceVersion = "1"): KubeObject {
  return { metadata: { name, namespace: "ns", resourceVersion }, spec: { dependsOn } };
}

const dependsOn = (obj: KubeObject): string[] =>
  ((obj.spec as { dependsOn: string[] }).dependsOn ?? []).map((d) => `ns/${d}`);

describe("ObjectStore", () => {
  it("keys namespaced objects as namespace/name and cluster-scoped ones by name", () => {
    const store = new ObjectStore();
    store.upsert(task("a", []));
    store.upsert({ metadata: { name: "prod" } });
    assert.deepEqual(store.keys().sort(), ["ns/a", "prod"]);
  });

  it("keeps an index in step with adds, updates and removals", () => {
    const store = new ObjectStore();
    store.addIndex("dependsOn", dependsOn);
    store.upsert(task("b", ["a"]));
    store.upsert(task("c", ["a", "b"]));
    assert.deepEqual(
      store
        .byIndex("dependsOn", "ns/a")
        .map((o) => o.metadata.name)
        .sort(),
      ["b", "c"],
    );

    store.upsert(task("c", ["b"], "2"));
    assert.deepEqual(
      store.byIndex("dependsOn", "ns/a").map((o) => o.metadata.name),
      ["b"],
    );
    assert.deepEqual(
      store.byIndex("dependsOn", "ns/b").map((o) => o.metadata.name),
      ["c"],
    );

    store.remove("ns/b");
    assert.deepEqual(store.byIndex("dependsOn", "ns/a"), []);
  });

  it("indexes objects already stored when an index is added later", () => {
    const store = new ObjectStore();
    store.upsert(task("b", ["a"]));
    store.addIndex("dependsOn", dependsOn);
    assert.equal(store.byIndex("dependsOn", "ns/a")[0]?.metadata.name, "b");
  });

  it("returns the replaced version from upsert and the removed one from remove", () => {
    const store = new ObjectStore();
    assert.equal(store.upsert(task("a", [], "1")), undefined);
    assert.equal(store.upsert(task("a", [], "2"))?.metadata.resourceVersion, "1");
    assert.equal(store.remove("ns/a")?.metadata.resourceVersion, "2");
    assert.equal(store.remove("ns/a"), undefined);
  });

  it("refuses an unknown or duplicate index", () => {
    const store = new ObjectStore();
    store.addIndex("x", () => []);
    assert.throws(() => store.addIndex("x", () => []), /already exists/);
    assert.throws(() => store.byIndex("y", "v"), /does not exist/);
  });
});
