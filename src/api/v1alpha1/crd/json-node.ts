import { SchemaGenerationError } from "./schema-errors.js";

/** A JSON Schema node as zod's `toJSONSchema` emits it, before the generator makes it structural. */
export type JsonNode = Record<string, unknown>;

/** The ±(2^53-1) bounds zod puts on every integer; they say nothing about the field, so the CRD omits them. */
export const ZOD_SAFE_INTEGER_BOUNDS: ReadonlySet<unknown> = new Set([
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
]);

/** Whether a value is a JSON object (a schema node), as opposed to an array, a scalar or null. */
export function isJsonNode(value: unknown): value is JsonNode {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Returns `node[key]` when it is a schema node, undefined when absent, and throws naming the path otherwise. */
export function readNode(node: JsonNode, key: string, path: string): JsonNode | undefined {
  const value = node[key];
  if (value === undefined) return undefined;
  if (!isJsonNode(value)) throw new SchemaGenerationError(path, `"${key}" must be a schema object`);
  return value;
}

/** Returns `node[key]` as a list of schema nodes, undefined when absent, and throws naming the path otherwise. */
export function readNodeList(node: JsonNode, key: string, path: string): JsonNode[] | undefined {
  const value = node[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every(isJsonNode)) {
    throw new SchemaGenerationError(path, `"${key}" must be a list of schema objects`);
  }
  return value;
}

/**
 * Resolves a local JSON pointer (`#`, `#/definitions/X`, `#/$defs/X`) against the document it came from;
 * zod emits these for schemas it cannot inline, and structural schemas allow none.
 */
export function resolveReference(root: JsonNode, ref: string, path: string): JsonNode {
  if (ref !== "#" && !ref.startsWith("#/")) {
    throw new SchemaGenerationError(path, `only local references can be inlined, not ${ref}`);
  }
  let target: unknown = root;
  for (const token of ref.split("/").slice(1)) {
    const key = decodeURIComponent(token).replaceAll("~1", "/").replaceAll("~0", "~");
    target = isJsonNode(target) ? target[key] : undefined;
  }
  if (!isJsonNode(target)) throw new SchemaGenerationError(path, `reference ${ref} does not resolve`);
  return target;
}
