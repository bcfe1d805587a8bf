import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RecursiveSchemaError, SchemaGenerationError } from "../../../src/api/v1alpha1/crd/schema-errors.js";
import type { StructuralSchema } from "../../../src/api/v1alpha1/crd/structural-schema.js";
import { structuralize } from "../../../src/api/v1alpha1/crd/structuralize.js";

/** JSON Schema forms zod's OpenAPI 3.0 output does not use today, but other targets or versions may. */
const rows: { rule: string; input: Record<string, unknown>; expected: StructuralSchema }[] = [
  {
    rule: "const becomes a single-value enum",
    input: { type: "string", const: "v1" },
    expected: { type: "string", enum: ["v1"] },
  },
  {
    rule: "a union with null becomes nullable",
    input: { anyOf: [{ type: "string", maxLength: 3 }, { type: "null" }], description: "Maybe." },
    expected: { description: "Maybe.", type: "string", nullable: true, maxLength: 3 },
  },
  {
    rule: "a JSON Schema 2020 exclusive minimum becomes minimum plus the OpenAPI flag",
    input: { type: "number", exclusiveMinimum: 0 },
    expected: { type: "number", minimum: 0, exclusiveMinimum: true },
  },
  {
    rule: "allOf with one member is merged into the node",
    input: { allOf: [{ type: "integer", minimum: 2 }], description: "Two or more." },
    expected: { description: "Two or more.", type: "integer", minimum: 2 },
  },
  {
    rule: "a reference is inlined, its siblings winning",
    input: {
      type: "object",
      properties: { a: { $ref: "#/$defs/Name", description: "Own words." } },
      $defs: { Name: { type: "string", description: "Shared words.", minLength: 1 } },
    },
    expected: {
      type: "object",
      properties: { a: { description: "Own words.", type: "string", minLength: 1 } },
    },
  },
  {
    rule: "additionalProperties: true preserves unknown fields",
    input: { type: "object", additionalProperties: true },
    expected: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
  },
  {
    rule: "an empty required list is dropped",
    input: { type: "object", properties: { a: { type: "boolean" } }, required: [] },
    expected: { type: "object", properties: { a: { type: "boolean" } } },
  },
];

describe("structuralize: JSON Schema forms", () => {
  for (const row of rows) {
    it(row.rule, () => {
      assert.deepEqual(structuralize(row.input, "spec"), row.expected);
    });
  }

  it("keeps keys in one fixed order, whatever order they came in", () => {
    const converted = structuralize({ maxLength: 3, type: "string", description: "D." }, "spec");
    assert.deepEqual(Object.keys(converted), ["description", "type", "maxLength"]);
  });

  it("rejects a reference back to the root, naming where it recurs", () => {
    assert.throws(
      () => structuralize({ type: "object", properties: { self: { $ref: "#" } } }, "spec"),
      (error: unknown) => error instanceof RecursiveSchemaError && error.path === "spec.self",
    );
  });

  it("rejects a reference that does not resolve", () => {
    assert.throws(
      () => structuralize({ $ref: "#/$defs/Missing" }, "spec"),
      (error: unknown) => error instanceof SchemaGenerationError && /does not resolve/.test(error.message),
    );
  });

  it("rejects a union of a number and a string, which int-or-string would not accept", () => {
    assert.throws(
      () => structuralize({ anyOf: [{ type: "number" }, { type: "string" }] }, "spec"),
      SchemaGenerationError,
    );
  });
});
