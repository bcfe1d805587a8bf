import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  LOCK_TAKING_GRACE_MS,
  lockReality,
  lockAppliedWithRequest,
  lockWrittenAt,
  type LockHolderView,
} from "../../../src/controllers/release/lock-reality.js";
import { targetKey } from "../../../src/controllers/release/target-object.js";
import { ObjectStore } from "../../../src/runtime/informer/store.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import { releaseSpec, T0 } from "./release-fixtures.js";

const HOLDER = "team/shop-2";
const spec = releaseSpec();
const prodTarget = spec.targets.find((t) => t.environment === "prod");
const KEY = prodTarget === undefined ? "" : (targetKey(prodTarget) ?? "");

/** The holder `team/shop-2`, targeting the same objects as the fixture release, with `prod` in `state`. */
function holder(state: string | undefined): KubeObject {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Release",
    metadata: { name: "shop-2", namespace: "team", uid: "u-2" },
    spec,
    status: state === undefined ? {} : { environments: [{ name: "prod", state }] },
  };
}

function view(
  change: Partial<LockHolderView> & { state?: string | undefined; exists?: boolean },
): LockHolderView {
  const releases = new ObjectStore();
  if (change.exists !== false) releases.upsert(holder("state" in change ? change.state : "Gated"));
  return {
    holder: HOLDER,
    held: false,
    releases,
    key: KEY,
    owns: () => true,
    lockedAt: new Date(T0.getTime() - 1_000),
    now: T0,
    ...change,
  };
}

describe("what a lock held by another release is to a release that wants the target", () => {
  it("a holder promoting there (or a proven rollback) is waited for", () => {
    assert.deepEqual(lockReality(view({ held: true })), { kind: "Held" });
  });

  it("a release done there (Verified, Failed) is waited for: it frees its lock itself in its next pass", () => {
    for (const state of ["Verified", "Failed"]) {
      assert.deepEqual(lockReality(view({ state, lockedAt: undefined })), { kind: "Held" }, state);
    }
  });

  it("a release waiting at its gate that wrote the lock moments ago is taking it: wait until the grace ends", () => {
    assert.deepEqual(lockReality(view({})), {
      kind: "Taking",
      until: new Date(T0.getTime() - 1_000 + LOCK_TAKING_GRACE_MS),
    });
    assert.equal(lockReality(view({ state: undefined })).kind, "Taking", "its status has no entry yet");
  });

  const forged: { situation: string; change: Parameters<typeof view>[0]; why: RegExp }[] = [
    {
      situation: "no release of that name",
      change: { exists: false },
      why: /no Release team\/shop-2 exists/,
    },
    {
      situation: "a release that does not target this object",
      change: { key: "argoproj.io/Application/argocd/elsewhere" },
      why: /does not target this object in an environment that owns it/,
    },
    {
      situation: "a release whose environment does not own the object",
      change: { owns: () => false },
      why: /does not target this object in an environment that owns it/,
    },
    {
      situation: "a release waiting at the gate whose lock is older than the grace (a forgery naming it)",
      change: { lockedAt: new Date(T0.getTime() - LOCK_TAKING_GRACE_MS - 1) },
      why: /waits at its gate there \(Gated\) and has not recorded a promotion within 30s/,
    },
    {
      situation: "a release waiting at the gate, lock write time unknown",
      change: { lockedAt: undefined },
      why: /waits at its gate there/,
    },
    {
      situation: "a lock dated in the future (a rewritten managedFields entry) buys no wait",
      change: { lockedAt: new Date(T0.getTime() + 60_000) },
      why: /waits at its gate there/,
    },
  ];
  for (const row of forged) {
    it(`${row.situation}: forged, taken over`, () => {
      const found = lockReality(view(row.change));
      assert.equal(found.kind, "Forged");
      assert.match(found.kind === "Forged" ? found.why : "", row.why);
    });
  }
});

describe("when the lock annotation was last written, from managedFields", () => {
  const entry = (time: string, annotations: Record<string, unknown>) => ({
    manager: "m",
    operation: "Update",
    time,
    fieldsV1: { "f:metadata": { "f:annotations": annotations } },
  });
  const object = (managedFields: unknown): KubeObject => ({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name: "shop-prod", namespace: "argocd", managedFields },
  });

  it("the latest entry that owns the annotation", () => {
    const found = lockWrittenAt(
      object([
        entry("2030-01-01T00:00:00Z", { "f:stagegate.io/locked-by": {} }),
        entry("2030-01-01T00:05:00Z", { "f:other": {} }),
        entry("2030-01-01T00:02:00Z", { "f:stagegate.io/locked-by": {} }),
      ]),
      "stagegate.io/locked-by",
    );
    assert.equal(found?.toISOString(), "2030-01-01T00:02:00.000Z");
  });

  it("a lock written by an apply of the delivery manager was written with a request; a merge patch was not", () => {
    const lock = { "f:stagegate.io/locked-by": {} };
    const applied = {
      ...entry("2030-01-01T00:00:00Z", lock),
      manager: "stagegate-operator",
      operation: "Apply",
    };
    const patched = { ...entry("2030-01-01T00:00:00Z", lock), manager: "stagegate-operator" };
    const key = "stagegate.io/locked-by";
    assert.equal(lockAppliedWithRequest(object([applied]), key, "stagegate-operator"), true);
    assert.equal(lockAppliedWithRequest(object([patched]), key, "stagegate-operator"), false);
    assert.equal(
      lockAppliedWithRequest(object([{ ...applied, manager: "kubectl" }]), key, "stagegate-operator"),
      false,
    );
    assert.equal(lockAppliedWithRequest(object("junk"), key, "stagegate-operator"), false);
  });

  it("none when no entry owns it, or managedFields is not a list of entries", () => {
    assert.equal(
      lockWrittenAt(object([entry("2030-01-01T00:00:00Z", {})]), "stagegate.io/locked-by"),
      undefined,
    );
    assert.equal(lockWrittenAt(object("junk"), "stagegate.io/locked-by"), undefined);
    assert.equal(lockWrittenAt(undefined, "stagegate.io/locked-by"), undefined);
  });
});
