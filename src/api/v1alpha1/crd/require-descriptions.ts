import { UndocumentedFieldError } from "./schema-errors.js";
import type { StructuralSchema } from "./structural-schema.js";

/**
 * Lists the JSON paths of every property without a description, in objects, in array items and in map values,
 * so a field nobody explained can be named precisely.
 */
export function findUndocumentedFields(schema: StructuralSchema, path: string): string[] {
  const missing: string[] = [];
  collectUndocumented(schema, path, missing);
  return missing;
}

/** Throws an UndocumentedFieldError naming every undocumented field; `kubectl explain` must teach them all. */
export function requireDescriptions(schema: StructuralSchema, path: string): void {
  const missing = findUndocumentedFields(schema, path);
  if (missing.length > 0) throw new UndocumentedFieldError(missing);
}

function collectUndocumented(node: StructuralSchema, path: string, missing: string[]): void {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const childPath = path === "" ? name : `${path}.${name}`;
    if (!child.description?.trim()) missing.push(childPath);
    collectUndocumented(child, childPath, missing);
  }
  if (node.items) collectUndocumented(node.items, `${path}[]`, missing);
  if (node.additionalProperties) collectUndocumented(node.additionalProperties, `${path}.*`, missing);
}
