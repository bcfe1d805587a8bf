import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildCustomResourceDefinition } from "../../../src/api/v1alpha1/crd/custom-resource-definition.js";
import type { StructuralSchema } from "../../../src/api/v1alpha1/crd/structural-schema.js";
import { ALL_KINDS } from "../../../src/api/v1alpha1/kinds.js";

/** Every string, list and map under `node` that has no upper bound, as `path (what)`. */
function unbounded(node: StructuralSchema | undefined, path: string): string[] {
  if (node === undefined) return [];
  const found: string[] = [];
  if (node.type === "string" && node.maxLength === undefined && node.enum === undefined) {
    found.push(`${path} (string without maxLength)`);
  }
  if (node.type === "array") {
    if (node.maxItems === undefined) found.push(`${path} (list without maxItems)`);
    found.push(...unbounded(node.items, `${path}[]`));
  }
  if (node.type === "object") {
    const values = node.additionalProperties;
    if (typeof values === "object") {
      if (node.maxProperties === undefined) found.push(`${path} (map without maxProperties)`);
      found.push(...unbounded(values, `${path}{}`));
    }
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      found.push(...unbounded(child, `${path}.${key}`));
    }
  }
  return found;
}

describe("every CRD bounds what users write", () => {
  for (const definition of ALL_KINDS) {
    it(`${definition.kind}: every string, list and map in spec has an upper bound`, () => {
      const root = buildCustomResourceDefinition(definition).spec.versions[0]?.schema.openAPIV3Schema;
      const spec = root?.properties?.spec;
      assert.ok(spec !== undefined, `${definition.kind} has no spec schema`);
      assert.deepEqual(unbounded(spec, "spec"), []);
    });
  }

  it("finds an unbounded field when there is one (the check can fail)", () => {
    const sample: StructuralSchema = {
      type: "object",
      properties: {
        notes: { type: "string" },
        items: { type: "array", items: { type: "string", maxLength: 3 } },
        labels: { type: "object", additionalProperties: { type: "string", maxLength: 3 } },
      },
    };
    assert.deepEqual(unbounded(sample, "spec"), [
      "spec.notes (string without maxLength)",
      "spec.items (list without maxItems)",
      "spec.labels (map without maxProperties)",
    ]);
  });
});
