import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cacheTrimming } from "../../../src/controllers/informers.js";
import { LOCK_ANNOTATION } from "../../../src/controllers/release/gather.js";
import { lockWrite, lockWrittenAt } from "../../../src/controllers/release/lock-reality.js";
import { DELIVERY_FIELD_MANAGER } from "../../../src/gitops/delivery.js";
import {
  EACH_ITEM,
  LAST_APPLIED_ANNOTATION,
  trimmedForCache,
} from "../../../src/runtime/informer/transform.js";
import { setFlagsFromString } from "node:v8";
import { runInThisContext } from "node:vm";
import { checkedKubeObject, type KubeObject } from "../../../src/runtime/kube/object.js";

/** A managedFields entry of `manager` at `time` owning the given annotations (and a status field, as Argo CD's do). */
function entry(manager: string, time: string, annotations: string[], operation = "Update"): unknown {
  return {
    manager,
    operation,
    apiVersion: "argoproj.io/v1alpha1",
    time,
    fieldsType: "FieldsV1",
    fieldsV1: {
      "f:metadata": {
        "f:annotations": Object.fromEntries(annotations.map((a) => [`f:${a}`, {}])),
      },
      "f:status": { "f:sync": { "f:status": {} } },
    },
  };
}

/** An Argo CD Application as the API server returns it, applied by kubectl and locked by Stagegate. */
function application(managedFields: unknown[]): KubeObject {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: {
      name: "shop-prod",
      namespace: "team",
      uid: "app-1",
      resourceVersion: "42",
      labels: { "stagegate.io/environment": "prod" },
      annotations: {
        [LOCK_ANNOTATION]: "team/shop-1",
        [LAST_APPLIED_ANNOTATION]: '{"apiVersion":"argoproj.io/v1alpha1","kind":"Application"}',
        "example.com/owner": "payments",
      },
      managedFields,
    },
    spec: { source: { targetRevision: "main" } },
    status: { sync: { status: "Synced" } },
  };
}

const kubectl = entry("kubectl-client-side-apply", "2026-12-01T10:00:00Z", [LAST_APPLIED_ANNOTATION]);
const argo = entry("argocd-application-controller", "2026-12-01T10:05:00Z", []);
const stagegateLock = entry(DELIVERY_FIELD_MANAGER, "2026-12-01T10:01:00Z", [LOCK_ANNOTATION], "Apply");
const forgerLock = entry("kubectl-edit", "2026-12-01T10:02:00Z", [LOCK_ANNOTATION, "example.com/owner"]);

describe("the informer cache transform (ADR 0034)", () => {
  it("drops managedFields entries that own no kept annotation, and the last-applied copy", () => {
    const full = application([kubectl, stagegateLock, argo]);
    const cached = cacheTrimming.other(full);
    assert.deepEqual(cached.metadata.managedFields, [stagegateLock]);
    assert.deepEqual(cached.metadata.annotations, {
      [LOCK_ANNOTATION]: "team/shop-1",
      "example.com/owner": "payments",
    });
  });

  it("keeps everything else of the object as it was", () => {
    const full = application([kubectl, stagegateLock, argo]);
    const cached = cacheTrimming.other(full);
    const { managedFields: _m, annotations: _a, ...metadata } = full.metadata;
    const { managedFields: _cm, annotations: _ca, ...cachedMetadata } = cached.metadata;
    assert.deepEqual(cachedMetadata, metadata);
    assert.deepEqual({ ...cached, metadata: {} }, { ...full, metadata: {} });
  });

  it("does not change the object it is given", () => {
    const full = application([kubectl, stagegateLock, argo]);
    const before = structuredClone(full);
    cacheTrimming.other(full);
    assert.deepEqual(full, before);
  });

  // The one read of managedFields a controller makes: who last wrote the lock, and when. A cached object must
  // answer it as the full object does, a forger's later write included (it is kept, not filtered by manager).
  const lockHistories: [string, unknown[]][] = [
    ["Stagegate's lock only", [kubectl, stagegateLock, argo]],
    ["a forger rewrote the lock after Stagegate", [stagegateLock, forgerLock, argo, kubectl]],
    ["a forger's entry listed first", [forgerLock, kubectl, stagegateLock]],
    ["nobody owns the lock", [kubectl, argo]],
    ["no managedFields at all", []],
  ];
  for (const [situation, managedFields] of lockHistories) {
    it(`answers lockWrite as the full object does: ${situation}`, () => {
      const full = application(managedFields);
      for (const transform of Object.values(cacheTrimming)) {
        const cached = transform(full);
        assert.deepEqual(lockWrite(cached, LOCK_ANNOTATION), lockWrite(full, LOCK_ANNOTATION));
        assert.deepEqual(lockWrittenAt(cached, LOCK_ANNOTATION), lockWrittenAt(full, LOCK_ANNOTATION));
      }
    });
  }

  it("names the forger's later write, not Stagegate's, from the cache", () => {
    const cached = cacheTrimming.argoCDApplications(application([stagegateLock, forgerLock, argo]));
    assert.deepEqual(lockWrite(cached, LOCK_ANNOTATION), {
      at: new Date("2026-12-01T10:02:00Z"),
      manager: "kubectl-edit",
    });
  });

  it("keeps the last-applied copy on Approvals, whose archive documents hold their metadata as cached", () => {
    const full = application([kubectl, argo]);
    const cached = cacheTrimming.sealedFromCache(full);
    assert.deepEqual(cached.metadata.annotations, full.metadata.annotations);
    assert.equal(cached.metadata.managedFields, undefined);
  });

  it("returns an object with nothing to drop as it is", () => {
    const { managedFields: _m, ...metadata } = application([]).metadata;
    const bare: KubeObject = { ...application([]), metadata: { ...metadata, annotations: { a: "b" } } };
    assert.equal(cacheTrimming.other(bare), bare);
  });

  it("drops the fields it names, copying only the objects on the way", () => {
    const full: KubeObject = {
      ...application([]),
      status: { sync: { status: "Synced" }, big: { list: [1, 2] }, kept: { a: 1 } },
    };
    const trim = trimmedForCache({
      keepManagedFieldsOwning: [],
      dropAnnotations: [],
      dropFields: [
        ["status", "big"],
        ["status", "absent", "deeper"],
        ["spec", "source", "targetRevision", "x"],
      ],
    });
    const cached = trim(full);
    assert.deepEqual(cached.status, { sync: { status: "Synced" }, kept: { a: 1 } });
    const status = cached.status as Record<string, unknown>;
    const fullStatus = full.status as Record<string, unknown>;
    assert.equal(status.kept, fullStatus.kept, "what is not on the way is shared, not copied");
    assert.equal(cached.spec, full.spec, "a path through a string drops nothing");
    assert.deepEqual(full.status, { sync: { status: "Synced" }, big: { list: [1, 2] }, kept: { a: 1 } });
  });

  it("does not walk into lists, and returns an object without the named fields as it is", () => {
    const { managedFields: _m, ...metadata } = application([]).metadata;
    const bare: KubeObject = { ...application([]), metadata, status: { history: [{ resources: [] }] } };
    const trim = trimmedForCache({
      keepManagedFieldsOwning: [],
      dropAnnotations: [],
      dropFields: [
        ["status", "history", "resources"],
        ["status", "summary"],
      ],
    });
    assert.equal(trim(bare), bare);
  });

  it("drops a field from every item of a list where the path says so, and copies only what changes", () => {
    const { managedFields: _m, ...metadata } = application([]).metadata;
    const items: unknown[] = [
      { name: "a", description: "Do a.", state: "Done" },
      { name: "b", state: "Pending" },
      "not an object",
    ];
    const full: KubeObject = { ...application([]), metadata, spec: { checklist: items, title: "t" } };
    const trim = trimmedForCache({
      keepManagedFieldsOwning: [],
      dropAnnotations: [],
      dropFields: [["spec", "checklist", EACH_ITEM, "description"]],
    });
    const cached = trim(full);
    assert.deepEqual(cached.spec, {
      checklist: [{ name: "a", state: "Done" }, { name: "b", state: "Pending" }, "not an object"],
      title: "t",
    });
    const list = (cached.spec as { checklist: unknown[] }).checklist;
    assert.equal(list[1], items[1], "an item without the field is shared, not copied");
    assert.deepEqual(
      items[0],
      { name: "a", description: "Do a.", state: "Done" },
      "the object given keeps its value",
    );
    const without = trim(cached);
    assert.equal(without, cached, "a list none of whose items has the field is returned as it is");
    const notAList = { ...full, spec: { checklist: { description: "x" } } };
    assert.equal(trim(notAList), notAList, "a path through a value that is not a list drops nothing");
  });

  it("keeps a custom resource's metadata, whose keys come in alphabetical order, a fast object (ADR 0058)", () => {
    // V8 turns an object that loses a key other than its last into a dictionary, several hundred bytes larger.
    setFlagsFromString("--allow-natives-syntax");
    const hasFastProperties = runInThisContext("(o) => %HasFastProperties(o)") as (o: object) => boolean;
    const wire = JSON.stringify({
      apiVersion: "stagegate.io/v1alpha1",
      kind: "DeploymentTask",
      metadata: {
        annotations: { [LAST_APPLIED_ANNOTATION]: "{}", "example.com/team": "shop" },
        creationTimestamp: "2026-12-06T21:39:53Z",
        generation: 1,
        labels: { "stagegate.io/release": "rel-0" },
        managedFields: [kubectl, argo],
        name: "rel-0-prod-security-scan",
        namespace: "team",
        resourceVersion: "1039",
        uid: "62a8ea31-1c8f-4250-bfb7-035ca74cb1fc",
      },
      spec: { title: "Scan" },
    });
    const cached = cacheTrimming.other(checkedKubeObject(JSON.parse(wire)));
    assert.equal(cached.metadata.managedFields, undefined);
    assert.deepEqual(cached.metadata.annotations, { "example.com/team": "shop" });
    assert.ok(hasFastProperties(cached.metadata), "metadata");
    assert.ok(hasFastProperties(cached.metadata.annotations ?? {}), "annotations");
    assert.ok(hasFastProperties(cached), "the object");
  });

  it("checks a listed or watched object without copying it, and refuses one without a name", () => {
    const object: unknown = JSON.parse('{"kind":"Release","metadata":{"name":"rel-0","labels":{"a":"b"}}}');
    assert.equal(checkedKubeObject(object), object);
    assert.throws(() => checkedKubeObject({ kind: "Release", metadata: { labels: {} } }), /name/);
  });

  it("drops a managedFields value that is not a list", () => {
    const odd = { ...application([]), metadata: { ...application([]).metadata, managedFields: "junk" } };
    const trim = trimmedForCache({ keepManagedFieldsOwning: [LOCK_ANNOTATION], dropAnnotations: [] });
    assert.equal(trim(odd).metadata.managedFields, undefined);
  });
});
