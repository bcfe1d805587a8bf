import { z } from "zod";
import { requireDescriptions } from "./require-descriptions.js";
import { SchemaGenerationError } from "./schema-errors.js";
import type { StructuralSchema } from "./structural-schema.js";
import { structuralize } from "./structuralize.js";

/**
 * Converts a zod schema into a documented structural schema, the only form a CRD accepts. It reads the input
 * side (fields with defaults are optional to the writer) and throws, naming the path, on anything that would
 * be lost or rejected by the API server, including a field without a description.
 */
export function toStructuralSchema(schema: z.ZodType, path: string): StructuralSchema {
  let document: unknown;
  try {
    document = z.toJSONSchema(schema, { target: "openapi-3.0", io: "input", unrepresentable: "throw" });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SchemaGenerationError(path, `zod cannot represent this schema as JSON Schema: ${reason}`);
  }
  const structural = structuralize(document, path);
  requireDescriptions({ properties: { [path]: structural } }, "");
  return structural;
}
