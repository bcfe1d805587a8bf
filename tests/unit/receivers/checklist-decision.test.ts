import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChecklistItem } from "../../../src/api/v1alpha1/deployment-task.js";
import { decideChecklist, type ItemUpdate } from "../../../src/receivers/checklist-decision.js";

type Current = Pick<ChecklistItem, "name" | "state" | "evidence" | "completedBy">;

const EVIDENCE = {
  digest: "sha256:abc",
  result: "Passed" as const,
  notes: "Scan passed (CloudEvent e1 from ci).",
};
const DONE: ItemUpdate = { name: "scan-run", state: "Done", evidence: EVIDENCE, completedBy: "pipeline:ci" };
const pending = (name: string): Current => ({ name, state: "Pending" });

describe("deciding an event's checklist change", () => {
  const rows: {
    situation: string;
    checklist: Current[];
    owned?: string[];
    updates: ItemUpdate[];
    changes: string[];
    apply: string[] | undefined;
    says?: RegExp;
  }[] = [
    {
      situation: "a Pending item is set Done",
      checklist: [pending("scan-run"), pending("findings-triaged")],
      updates: [DONE],
      changes: ["Updated"],
      apply: ["scan-run"],
    },
    {
      situation: "the same event again changes nothing (idempotent)",
      checklist: [{ name: "scan-run", state: "Done", evidence: EVIDENCE, completedBy: "pipeline:ci" }],
      owned: ["scan-run"],
      updates: [DONE],
      changes: ["Unchanged"],
      apply: undefined,
    },
    {
      situation: "an item a person marked Done is kept",
      checklist: [{ name: "scan-run", state: "Done", completedBy: "alice" }],
      updates: [DONE],
      changes: ["Kept"],
      apply: undefined,
      says: /scan-run is already Done by alice; an event never overwrites a recorded decision/,
    },
    {
      situation: "a Failed item is not turned Done by a later pass",
      checklist: [{ name: "scan-run", state: "Failed", completedBy: "pipeline:ci" }],
      owned: ["scan-run"],
      updates: [DONE],
      changes: ["Kept"],
      apply: undefined,
      says: /already Failed/,
    },
    {
      situation: "an item removed from the checklist is reported missing",
      checklist: [pending("findings-triaged")],
      updates: [DONE],
      changes: ["Missing"],
      apply: undefined,
      says: /no checklist item scan-run/,
    },
    {
      situation: "an inconclusive result recorded earlier is upgraded to Done",
      checklist: [{ name: "scan-run", state: "Pending", evidence: { ...EVIDENCE, result: "Inconclusive" } }],
      owned: ["scan-run"],
      updates: [DONE],
      changes: ["Updated"],
      apply: ["scan-run"],
    },
    {
      situation: "items owned from an earlier event are restated so apply keeps them",
      checklist: [
        { name: "scan-run", state: "Done", evidence: EVIDENCE, completedBy: "pipeline:ci" },
        pending("findings-triaged"),
      ],
      owned: ["scan-run"],
      updates: [{ ...DONE, name: "findings-triaged" }],
      changes: ["Updated"],
      apply: ["scan-run", "findings-triaged"],
    },
  ];
  for (const row of rows) {
    it(row.situation, () => {
      const decision = decideChecklist(row.checklist, row.owned ?? [], row.updates);
      assert.deepEqual(
        decision.items.map((i) => i.change),
        row.changes,
      );
      assert.deepEqual(
        decision.apply?.map((i) => i.name),
        row.apply,
      );
      if (row.says !== undefined) {
        const item = decision.items[0];
        assert.ok(item !== undefined && "reason" in item);
        assert.match(item.reason, row.says);
      }
    });
  }

  it("applies exactly the event's fields in checklist order, and restates owned items as they are now", () => {
    const decision = decideChecklist(
      [
        { name: "scan-run", state: "Done", evidence: EVIDENCE, completedBy: "pipeline:ci" },
        pending("findings-triaged"),
        pending("not-ours"),
      ],
      ["scan-run"],
      [{ ...DONE, name: "findings-triaged" }],
    );
    assert.deepEqual(decision.apply, [
      { name: "scan-run", state: "Done", evidence: EVIDENCE, completedBy: "pipeline:ci" },
      { name: "findings-triaged", state: "Done", evidence: EVIDENCE, completedBy: "pipeline:ci" },
    ]);
  });
});
