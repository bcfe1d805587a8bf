import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import {
  RecursiveSchemaError,
  SchemaGenerationError,
  UndocumentedFieldError,
} from "../../../src/api/v1alpha1/crd/schema-errors.js";
import type { StructuralSchema } from "../../../src/api/v1alpha1/crd/structural-schema.js";
import { toStructuralSchema } from "../../../src/api/v1alpha1/crd/to-structural-schema.js";

/** Converts one field inside a documented root object and returns the field's structural schema. */
function convertField(field: z.ZodType): StructuralSchema | undefined {
  return toStructuralSchema(z.object({ field }).describe("The root."), "spec").properties?.field;
}

const Shared = z
  .object({ name: z.string().describe("A name.") })
  .meta({ id: "Shared", description: "Shared." });
interface Tree {
  name: string;
  children: Tree[];
}
const Tree: z.ZodType<Tree> = z.lazy(() =>
  z.object({ name: z.string().describe("A name."), children: z.array(Tree).describe("Sub-trees.") }),
);

const conversions: { rule: string; field: z.ZodType; expected: StructuralSchema }[] = [
  {
    rule: "a union of integer and string becomes int-or-string, without anyOf",
    field: z.union([z.number().int(), z.string()]).describe("A port."),
    expected: { description: "A port.", "x-kubernetes-int-or-string": true },
  },
  {
    rule: "a record of unknown values becomes an object that preserves unknown fields",
    field: z.record(z.string(), z.unknown()).describe("Free-form."),
    expected: { description: "Free-form.", type: "object", "x-kubernetes-preserve-unknown-fields": true },
  },
  {
    rule: "unknown becomes an object that preserves unknown fields",
    field: z.unknown().describe("Anything."),
    expected: { description: "Anything.", type: "object", "x-kubernetes-preserve-unknown-fields": true },
  },
  {
    rule: "a record of strings keeps a typed additionalProperties",
    field: z.record(z.string(), z.string()).describe("Labels."),
    expected: { description: "Labels.", type: "object", additionalProperties: { type: "string" } },
  },
  {
    rule: "date-time keeps its format and drops zod's pattern",
    field: z.iso.datetime({ offset: true }).describe("When."),
    expected: { description: "When.", type: "string", format: "date-time" },
  },
  {
    rule: "email keeps its format and drops zod's pattern",
    field: z.email().describe("Mail."),
    expected: { description: "Mail.", type: "string", format: "email" },
  },
  {
    rule: "integers lose zod's safe-integer bounds but keep their own",
    field: z.number().int().min(1).describe("Count."),
    expected: { description: "Count.", type: "integer", minimum: 1 },
  },
  {
    rule: "a positive number keeps an exclusive minimum",
    field: z.number().positive().describe("Ratio."),
    expected: { description: "Ratio.", type: "number", minimum: 0, exclusiveMinimum: true },
  },
  {
    rule: "nullable is kept",
    field: z.string().nullable().describe("Maybe."),
    expected: { description: "Maybe.", type: "string", nullable: true },
  },
  {
    rule: "a nullable object stays one typed node",
    field: z
      .object({ a: z.string().describe("A.") })
      .nullable()
      .describe("Maybe an object."),
    expected: {
      description: "Maybe an object.",
      type: "object",
      nullable: true,
      properties: { a: { description: "A.", type: "string" } },
      required: ["a"],
    },
  },
  {
    rule: "a literal becomes a single-value enum",
    field: z.literal("v1").describe("Fixed."),
    expected: { description: "Fixed.", type: "string", enum: ["v1"] },
  },
  {
    rule: "a union of literals becomes one enum",
    field: z.union([z.literal("a"), z.literal("b")]).describe("A or b."),
    expected: { description: "A or b.", type: "string", enum: ["a", "b"] },
  },
  {
    rule: "a strict object drops additionalProperties: false",
    field: z.strictObject({ a: z.string().describe("A.") }).describe("Strict."),
    expected: {
      description: "Strict.",
      type: "object",
      properties: { a: { description: "A.", type: "string" } },
      required: ["a"],
    },
  },
  {
    rule: "a loose object keeps its properties and preserves unknown fields instead of additionalProperties",
    field: z.looseObject({ a: z.string().describe("A.") }).describe("Loose."),
    expected: {
      description: "Loose.",
      type: "object",
      properties: { a: { description: "A.", type: "string" } },
      required: ["a"],
      "x-kubernetes-preserve-unknown-fields": true,
    },
  },
  {
    rule: "defaults, enums, patterns and length and item bounds are kept; defaulted fields are optional",
    field: z
      .object({
        mode: z.enum(["A", "B"]).default("A").describe("Mode."),
        code: z
          .string()
          .min(2)
          .max(8)
          .regex(/^[A-Z]+$/)
          .describe("Code."),
        tags: z.array(z.string()).min(1).max(5).describe("Tags."),
      })
      .describe("Settings."),
    expected: {
      description: "Settings.",
      type: "object",
      properties: {
        mode: { description: "Mode.", type: "string", enum: ["A", "B"], default: "A" },
        code: { description: "Code.", type: "string", pattern: "^[A-Z]+$", minLength: 2, maxLength: 8 },
        tags: { description: "Tags.", type: "array", minItems: 1, maxItems: 5, items: { type: "string" } },
      },
      required: ["code", "tags"],
    },
  },
  {
    rule: "x-kubernetes extensions and CEL rules from .meta() are kept",
    field: z.array(z.object({ k: z.string().describe("Key.") }).describe("Entry.")).meta({
      description: "Entries.",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["k"],
      "x-kubernetes-validations": [{ rule: "size(self) < 3", message: "at most two entries" }],
    }),
    expected: {
      description: "Entries.",
      type: "array",
      items: {
        description: "Entry.",
        type: "object",
        properties: { k: { description: "Key.", type: "string" } },
        required: ["k"],
      },
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["k"],
      "x-kubernetes-validations": [{ rule: "size(self) < 3", message: "at most two entries" }],
    },
  },
  {
    rule: "a schema zod moves to definitions is inlined wherever it is used",
    field: z.object({ first: Shared, second: Shared }).describe("Two of them."),
    expected: {
      description: "Two of them.",
      type: "object",
      properties: {
        first: {
          description: "Shared.",
          type: "object",
          properties: { name: { description: "A name.", type: "string" } },
          required: ["name"],
        },
        second: {
          description: "Shared.",
          type: "object",
          properties: { name: { description: "A name.", type: "string" } },
          required: ["name"],
        },
      },
      required: ["first", "second"],
    },
  },
];

describe("toStructuralSchema: conversions", () => {
  for (const row of conversions) {
    it(row.rule, () => {
      assert.deepEqual(convertField(row.field), row.expected);
    });
  }
});

const refusals: {
  rule: string;
  root: z.ZodType;
  error: new (...args: never[]) => Error;
  fragment: string;
}[] = [
  {
    rule: "a field without a description, inside objects in an array",
    root: z
      .object({ items: z.array(z.object({ name: z.string() }).describe("An item.")).describe("Items.") })
      .describe("The root."),
    error: UndocumentedFieldError,
    fragment: "spec.items[].name",
  },
  {
    rule: "a root without a description",
    root: z.object({ a: z.string().describe("A.") }),
    error: UndocumentedFieldError,
    fragment: "missing on: spec",
  },
  {
    rule: "a recursive schema",
    root: z.object({ tree: Tree.describe("A tree.") }).describe("The root."),
    error: RecursiveSchemaError,
    fragment: "spec.tree.children[]",
  },
  {
    rule: "a union of objects",
    root: z
      .object({ u: z.union([z.object({ a: z.string() }), z.object({ b: z.string() })]).describe("Either.") })
      .describe("The root."),
    error: SchemaGenerationError,
    fragment: "spec.u: this union cannot be expressed",
  },
  {
    rule: "an object with properties and typed additional properties",
    root: z
      .object({
        c: z
          .object({ a: z.string().describe("A.") })
          .catchall(z.number())
          .describe("Mixed."),
      })
      .describe("The root."),
    error: SchemaGenerationError,
    fragment: "spec.c: an object cannot have both properties and typed additionalProperties",
  },
  {
    rule: "a pattern RE2 cannot compile",
    root: z
      .object({
        p: z
          .string()
          .regex(/^(?!x)/)
          .describe("P."),
      })
      .describe("The root."),
    error: SchemaGenerationError,
    fragment: "spec.p: pattern",
  },
  {
    rule: "a key with no place in a CRD",
    root: z.object({ t: z.string().meta({ description: "T.", title: "Title" }) }).describe("The root."),
    error: SchemaGenerationError,
    fragment: 'spec.t: "title" is not supported',
  },
  {
    rule: "a type zod cannot represent",
    root: z.object({ d: z.date().describe("D.") }).describe("The root."),
    error: SchemaGenerationError,
    fragment: "zod cannot represent",
  },
  {
    rule: "a tuple",
    root: z.object({ t: z.tuple([z.string(), z.number()]).describe("T.") }).describe("The root."),
    error: SchemaGenerationError,
    fragment: "spec.t[]",
  },
];

describe("toStructuralSchema: refusals", () => {
  for (const row of refusals) {
    it(`throws for ${row.rule}, naming the path`, () => {
      assert.throws(
        () => toStructuralSchema(row.root, "spec"),
        (error: unknown) => {
          assert.ok(error instanceof row.error, `expected ${row.error.name}, got ${String(error)}`);
          assert.ok(error.message.includes(row.fragment), `"${error.message}" does not name ${row.fragment}`);
          return true;
        },
      );
    });
  }
});
