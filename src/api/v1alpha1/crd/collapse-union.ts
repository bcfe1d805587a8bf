import { isJsonNode, readNodeList, ZOD_SAFE_INTEGER_BOUNDS, type JsonNode } from "./json-node.js";
import { SchemaGenerationError } from "./schema-errors.js";

/**
 * Replaces zod's logical junctors (`anyOf`, `oneOf`, `allOf`) with one plain node, because a structural schema
 * may not declare types inside them. Only unions Kubernetes can express are accepted: nullable values, integer
 * or string (`x-kubernetes-int-or-string`), and enums of one type; anything else throws naming the path.
 */
export function collapseUnion(node: JsonNode, path: string): JsonNode {
  const { anyOf: _anyOf, oneOf: _oneOf, allOf: _allOf, ...rest } = node;
  const allOf = readNodeList(node, "allOf", path);
  const anyOf = readNodeList(node, "anyOf", path);
  const oneOf = readNodeList(node, "oneOf", path);
  if ([allOf, anyOf, oneOf].filter((list) => list !== undefined).length > 1) {
    throw new SchemaGenerationError(path, "combining allOf, anyOf and oneOf on one field is not supported");
  }
  if (allOf) {
    const [only, ...others] = allOf;
    if (!only || others.length > 0) {
      throw new SchemaGenerationError(
        path,
        "intersections (allOf) are not supported: merge objects with .extend()",
      );
    }
    return { ...only, ...rest };
  }
  const branches = anyOf ?? oneOf ?? [];
  const values = branches.filter((branch) => !isNullBranch(branch));
  const merged = mergeBranches(values, path);
  return values.length < branches.length ? { ...merged, ...rest, nullable: true } : { ...merged, ...rest };
}

function isNullBranch(branch: JsonNode): boolean {
  const keys = Object.keys(branch);
  if (branch.type === "null") return true;
  if (Array.isArray(branch.enum) && branch.enum.length === 1 && branch.enum[0] === null) return true;
  return keys.length === 1 && branch.nullable === true;
}

function mergeBranches(branches: JsonNode[], path: string): JsonNode {
  const [first, ...others] = branches;
  if (!first) throw new SchemaGenerationError(path, "a union needs at least one branch that is not null");
  if (others.length === 0) return first;
  if (isIntOrString(branches)) return { "x-kubernetes-int-or-string": true };
  const enumValues = mergeEnums(branches);
  if (enumValues) return { type: first.type, enum: enumValues };
  throw new SchemaGenerationError(
    path,
    "this union cannot be expressed in a structural schema (only nullable, integer-or-string and enums of " +
      "one type can): use optional fields and a CEL rule instead",
  );
}

function isIntOrString(branches: JsonNode[]): boolean {
  if (branches.length !== 2) return false;
  const types = branches.map((branch) => branch.type).sort();
  if (types[0] !== "integer" || types[1] !== "string") return false;
  return branches.every((branch) =>
    Object.entries(branch).every(
      ([key, value]) =>
        key === "type" || ((key === "minimum" || key === "maximum") && ZOD_SAFE_INTEGER_BOUNDS.has(value)),
    ),
  );
}

function mergeEnums(branches: JsonNode[]): unknown[] | undefined {
  const type = branches[0]?.type;
  if (typeof type !== "string") return undefined;
  const values: unknown[] = [];
  for (const branch of branches) {
    if (!isJsonNode(branch) || branch.type !== type) return undefined;
    const own = Array.isArray(branch.enum) ? branch.enum : "const" in branch ? [branch.const] : undefined;
    if (!own || Object.keys(branch).some((key) => !["type", "enum", "const"].includes(key))) return undefined;
    for (const value of own) if (!values.includes(value)) values.push(value);
  }
  return values;
}
