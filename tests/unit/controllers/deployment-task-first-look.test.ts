import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FirstLook } from "../../../src/controllers/deployment-task/first-look.js";
import type { InformerEvent } from "../../../src/runtime/informer/informer.js";

function event(type: InformerEvent["type"], name: string, taskType: string): InformerEvent {
  return {
    type,
    object: {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "DeploymentTask",
      metadata: { name, namespace: "shop" },
      spec: { type: taskType },
    },
  };
}

/** A FirstLook with a rollback controller attached, and the keys it handed over. */
function attached(): { look: FirstLook; handed: string[] } {
  const look = new FirstLook();
  const handed: string[] = [];
  look.onHandOver((key) => handed.push(key));
  look.attach();
  return { look, handed };
}

describe("FirstLook: the rollback controller looks at a new Rollback task before the task controller", () => {
  it("holds back nothing while no rollback controller is attached", () => {
    const look = new FirstLook();
    assert.equal(look.holdBack(event("added", "rb-1", "Rollback")), false);
    assert.equal(look.waiting, 0);
  });

  const rows: { event: InformerEvent; held: boolean; why: string }[] = [
    { event: event("added", "rb-1", "Rollback"), held: true, why: "a new Rollback task" },
    { event: event("updated", "rb-1", "Rollback"), held: false, why: "a change to a Rollback task" },
    { event: event("resync", "rb-1", "Rollback"), held: false, why: "a resync" },
    { event: event("deleted", "rb-1", "Rollback"), held: false, why: "a deletion" },
    { event: event("added", "check-1", "Checklist"), held: false, why: "a new task of another type" },
    { event: event("added", "val-1", "RollbackValidation"), held: false, why: "a new validation task" },
  ];
  for (const row of rows) {
    it(`${row.held ? "holds back" : "queues"} ${row.why}`, () => {
      const { look } = attached();
      assert.equal(look.holdBack(row.event), row.held);
      assert.equal(look.waiting, row.held ? 1 : 0);
    });
  }

  it("hands a held key over once, when the rollback pass over it ends", () => {
    const { look, handed } = attached();
    look.holdBack(event("added", "rb-1", "Rollback"));
    look.looked("shop/other");
    assert.deepEqual(handed, []);
    look.looked("shop/rb-1");
    assert.deepEqual(handed, ["shop/rb-1"]);
    look.looked("shop/rb-1");
    assert.deepEqual(handed, ["shop/rb-1"], "a later rollback pass does not wake the task controller again");
    assert.equal(look.waiting, 0);
  });
});
