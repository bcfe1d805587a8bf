import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ownedChecklistItems } from "../../../src/receivers/owned-items.js";

const MANAGER = "stagegate-pipeline-events";
const checklistFields = (...names: string[]) => ({
  "f:spec": {
    "f:checklist": Object.fromEntries(
      names.map((n) => [`k:{"name":"${n}"}`, { ".": {}, "f:name": {}, "f:state": {} }]),
    ),
  },
});

describe("checklist items a field manager owns", () => {
  it("reads the item keys of the manager's Apply entry only", () => {
    const managedFields = [
      {
        manager: "stagegate-operator",
        operation: "Apply",
        fieldsV1: checklistFields("scan-run", "findings-triaged"),
      },
      { manager: MANAGER, operation: "Apply", fieldsV1: checklistFields("scan-run") },
      { manager: MANAGER, operation: "Update", fieldsV1: checklistFields("findings-triaged") },
      { manager: "kubectl-edit", operation: "Update", fieldsV1: checklistFields("other") },
    ];
    assert.deepEqual(ownedChecklistItems(managedFields, MANAGER), ["scan-run"]);
  });

  it("owns nothing when managedFields is absent or not the expected shape", () => {
    assert.deepEqual(ownedChecklistItems(undefined, MANAGER), []);
    assert.deepEqual(ownedChecklistItems("garbage", MANAGER), []);
    assert.deepEqual(
      ownedChecklistItems(
        [{ manager: MANAGER, operation: "Apply", fieldsV1: { "f:spec": { "f:title": {} } } }],
        MANAGER,
      ),
      [],
    );
    assert.deepEqual(
      ownedChecklistItems(
        [
          {
            manager: MANAGER,
            operation: "Apply",
            fieldsV1: { "f:spec": { "f:checklist": { "k:{not json": {}, ".": {} } } },
          },
        ],
        MANAGER,
      ),
      [],
    );
  });
});
