import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { effectivePolicy, rollbackEvidence } from "../../../src/controllers/rollback/evidence.js";
import {
  ROLLBACK_POLICY_ANNOTATION,
  ROLLBACK_SEAL_ANNOTATION,
  createRollbackSeal,
  type SealedFacts,
} from "../../../src/controllers/rollback/seal.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";

const seal = createRollbackSeal(Buffer.alloc(32, 7));
const other = createRollbackSeal(Buffer.alloc(32, 8));
const FACTS: SealedFacts = {
  namespace: "team-a",
  name: "shop-prod-rollback-0a1b-20301010101010",
  release: { name: "shop", uid: "uid-1" },
  environment: "prod",
  origin: "Alert",
  policy: "Manual",
};
const RELEASE = { name: "shop", uid: "uid-1", rollbackOwner: "dave" };
const INTACT = { intact: true, message: "The admission controls are registered as shipped." };

function task(annotations: Record<string, string>, over: Partial<KubeObject["metadata"]> = {}): KubeObject {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "DeploymentTask",
    metadata: { name: FACTS.name, namespace: FACTS.namespace, annotations, ...over },
  };
}

describe("rollbackEvidence: only the operator's seal proves a Rollback task", () => {
  const rows: { name: string; obj: KubeObject; env?: string; release?: typeof RELEASE; opened: boolean }[] = [
    { name: "a task sealed by the operator", obj: task(seal.annotations(FACTS)), opened: true },
    { name: "a hand-made task with no seal", obj: task({}), opened: false },
    { name: "a seal made with another key", obj: task(other.annotations(FACTS)), opened: false },
    {
      name: "a seal copied onto a task of another name",
      obj: task(seal.annotations(FACTS), { name: "shop-prod-rollback-copied" }),
      opened: false,
    },
    {
      name: "a seal copied into another namespace",
      obj: task(seal.annotations(FACTS), { namespace: "team-b" }),
      opened: false,
    },
    {
      name: "a seal for another environment",
      obj: task(seal.annotations(FACTS)),
      env: "staging",
      opened: false,
    },
    {
      name: "a seal of a deleted and re-created release (other UID)",
      obj: task(seal.annotations(FACTS)),
      release: { ...RELEASE, uid: "uid-2" },
      opened: false,
    },
    {
      name: "a sealed Manual task whose policy annotation was edited to Automatic",
      obj: task({ ...seal.annotations(FACTS), [ROLLBACK_POLICY_ANNOTATION]: "Automatic" }),
      opened: false,
    },
    {
      name: "a seal that is not hex",
      obj: task({ ...seal.annotations(FACTS), [ROLLBACK_SEAL_ANNOTATION]: "not-a-mac" }),
      opened: false,
    },
  ];
  for (const row of rows) {
    it(`${row.opened ? "accepts" : "refuses"} ${row.name}`, () => {
      const evidence = rollbackEvidence(seal, row.obj, row.env ?? "prod", row.release ?? RELEASE, INTACT);
      assert.equal(evidence.opened, row.opened);
      if (!evidence.opened) assert.match(evidence.reason, /operator opened/);
    });
  }

  it("refuses everything when the operator has no seal", () => {
    assert.equal(
      rollbackEvidence(undefined, task(seal.annotations(FACTS)), "prod", RELEASE, INTACT).opened,
      false,
    );
  });

  it("gives a squatted name one alternate, the same every time under one key and unguessable without it", () => {
    assert.equal(seal.alternateName(FACTS.name), seal.alternateName(FACTS.name));
    assert.notEqual(seal.alternateName(FACTS.name), other.alternateName(FACTS.name));
    assert.match(seal.alternateName(FACTS.name), new RegExp(`^${FACTS.name}-[0-9a-f]{8}$`));
  });

  it("rejects a key shorter than 32 bytes, naming the flag", () => {
    assert.throws(() => createRollbackSeal(Buffer.alloc(16)), /--rollback-seal-key-file/);
  });
});

describe("effectivePolicy: a policy change is not an alert", () => {
  const rows = [
    { sealed: "Manual", now: "Automatic", acted: "Manual" },
    { sealed: "Disabled", now: "Automatic", acted: "Disabled" },
    { sealed: "Automatic", now: "Disabled", acted: "Disabled" },
    { sealed: "Automatic", now: "Manual", acted: "Manual" },
    { sealed: "Automatic", now: "Automatic", acted: "Automatic" },
  ] as const;
  for (const row of rows) {
    it(`acts on a task opened under ${row.sealed} as ${row.acted} when the release is ${row.now} now`, () => {
      const policy = effectivePolicy({ opened: true, by: "Alert", policy: row.sealed }, row.now);
      assert.equal(policy, row.acted);
    });
  }
});
