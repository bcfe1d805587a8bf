import { collapseUnion } from "./collapse-union.js";
import {
  isJsonNode,
  readNode,
  resolveReference,
  ZOD_SAFE_INTEGER_BOUNDS,
  type JsonNode,
} from "./json-node.js";
import { RecursiveSchemaError, SchemaGenerationError } from "./schema-errors.js";
import { orderSchemaKeys, type StructuralSchema, type StructuralType } from "./structural-schema.js";

/** Formats the API server validates itself; zod's own pattern for them is dropped (it is not RE2 anyway). */
const KUBERNETES_FORMATS = new Set([
  "date-time",
  "date",
  "email",
  "uuid",
  "ipv4",
  "ipv6",
  "cidr",
  "hostname",
  "uri",
]);

/** Keys copied as they are, with the JSON type each must have. */
const COPIED_KEYS: Record<string, "string" | "number" | "boolean" | "array" | "any"> = {
  description: "string",
  enum: "array",
  default: "any",
  nullable: "boolean",
  minLength: "number",
  maxLength: "number",
  minItems: "number",
  maxItems: "number",
  minProperties: "number",
  maxProperties: "number",
  multipleOf: "number",
  required: "array",
  "x-kubernetes-int-or-string": "boolean",
  "x-kubernetes-preserve-unknown-fields": "boolean",
  "x-kubernetes-embedded-resource": "boolean",
  "x-kubernetes-list-type": "string",
  "x-kubernetes-list-map-keys": "array",
  "x-kubernetes-map-type": "string",
  "x-kubernetes-validations": "array",
};

/** Keys with their own handling below, and keys of zod's output that have no place in a CRD. */
const HANDLED_KEYS = new Set([
  "type",
  "format",
  "pattern",
  "const",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
]);
const DROPPED_KEYS = new Set(["$schema", "$id", "id", "definitions", "$defs"]);

const SCALAR_TYPES = new Set<unknown>(["string", "integer", "number", "boolean"]);

interface Walk {
  root: JsonNode;
  refs: readonly string[];
}

/**
 * Turns zod's OpenAPI 3.0 output into a structural schema the API server accepts: references inlined (recursion
 * rejected), junctors collapsed, `additionalProperties` reconciled with `properties`, unknown values preserved,
 * zod-only noise dropped. Anything it cannot translate faithfully throws a SchemaGenerationError naming the path.
 */
export function structuralize(document: unknown, rootPath: string): StructuralSchema {
  if (!isJsonNode(document)) throw new SchemaGenerationError(rootPath, "expected a JSON schema object");
  return convertNode(document, rootPath, { root: document, refs: ["#"] });
}

function convertNode(node: JsonNode, path: string, walk: Walk): StructuralSchema {
  if (typeof node.$ref === "string") {
    const { $ref: ref, ...siblings } = node;
    if (walk.refs.includes(ref)) throw new RecursiveSchemaError(path, ref);
    const target = resolveReference(walk.root, ref, path);
    return convertNode({ ...target, ...siblings }, path, { ...walk, refs: [...walk.refs, ref] });
  }
  if ("anyOf" in node || "oneOf" in node || "allOf" in node) {
    return convertNode(collapseUnion(node, path), path, walk);
  }

  const out = copyPlainKeys(node, path);
  if ("const" in node) out.enum = [node.const];
  if (out.nullable === false) delete out.nullable;
  const type = node.type;
  if (type === undefined) return orderSchemaKeys(convertUntyped(node, out, path));
  if (type === "object") return orderSchemaKeys(convertObject(node, out, path, walk));
  if (type === "array") {
    const items = readNode(node, "items", path);
    if (!items) {
      throw new SchemaGenerationError(path, "an array needs an items schema (tuples are not supported)");
    }
    return orderSchemaKeys({ ...out, type: "array", items: convertNode(items, `${path}[]`, walk) });
  }
  if (!SCALAR_TYPES.has(type)) {
    throw new SchemaGenerationError(path, `type ${JSON.stringify(type)} is not supported`);
  }
  return orderSchemaKeys(convertScalar(node, { ...out, type: type as StructuralType }, path));
}

function copyPlainKeys(node: JsonNode, path: string): StructuralSchema {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (HANDLED_KEYS.has(key) || DROPPED_KEYS.has(key) || key === "properties" || key === "items") continue;
    if (key === "additionalProperties") continue;
    const expected = COPIED_KEYS[key];
    if (!expected) throw new SchemaGenerationError(path, `"${key}" is not supported in a CRD schema`);
    const actual = Array.isArray(value) ? "array" : typeof value;
    if (expected !== "any" && actual !== expected) {
      throw new SchemaGenerationError(path, `"${key}" must be of type ${expected}, not ${actual}`);
    }
    out[key] = value;
  }
  return out;
}

/** A node without a type is `z.unknown()`/`z.any()`: any JSON object is kept as written. */
function convertUntyped(node: JsonNode, out: StructuralSchema, path: string): StructuralSchema {
  if (out["x-kubernetes-int-or-string"] || out["x-kubernetes-preserve-unknown-fields"]) return out;
  const constraints = Object.keys(node).filter(
    (key) => !["description", "default", "nullable"].includes(key),
  );
  if (constraints.length > 0) {
    throw new SchemaGenerationError(
      path,
      `cannot infer a type for a field constrained by ${constraints.join(", ")}`,
    );
  }
  return { ...out, type: "object", "x-kubernetes-preserve-unknown-fields": true };
}

function convertObject(node: JsonNode, out: StructuralSchema, path: string, walk: Walk): StructuralSchema {
  const result: StructuralSchema = { ...out, type: "object" };
  const properties = readNode(node, "properties", path);
  if (properties) {
    result.properties = {};
    for (const [name, child] of Object.entries(properties)) {
      if (!isJsonNode(child)) throw new SchemaGenerationError(`${path}.${name}`, "expected a schema object");
      result.properties[name] = convertNode(child, `${path}.${name}`, walk);
    }
  }
  if (result.required?.length === 0) delete result.required;
  const additional = node.additionalProperties;
  if (additional === undefined || additional === false) return result;
  if (additional === true || (isJsonNode(additional) && isUnconstrained(additional))) {
    return { ...result, "x-kubernetes-preserve-unknown-fields": true };
  }
  if (!isJsonNode(additional)) {
    throw new SchemaGenerationError(path, "additionalProperties must be a schema object");
  }
  if (properties && Object.keys(properties).length > 0) {
    throw new SchemaGenerationError(
      path,
      "an object cannot have both properties and typed additionalProperties (.catchall()): use a record field",
    );
  }
  return { ...result, additionalProperties: convertNode(additional, `${path}.*`, walk) };
}

function isUnconstrained(node: JsonNode): boolean {
  return Object.keys(node).every((key) => key === "description");
}

function convertScalar(node: JsonNode, out: StructuralSchema, path: string): StructuralSchema {
  const format = node.format;
  let pattern = typeof node.pattern === "string" ? node.pattern : undefined;
  if (typeof format === "string" && KUBERNETES_FORMATS.has(format)) {
    out.format = format;
    pattern = undefined;
  }
  if (pattern !== undefined) out.pattern = checkRe2Pattern(pattern, path);
  if (out.type === "integer" || out.type === "number") {
    copyBound(node, out, "minimum", path);
    copyBound(node, out, "maximum", path);
  }
  return out;
}

/**
 * Copies minimum/maximum (and their exclusive flags, in OpenAPI 3.0 or JSON Schema 2020 form), dropping zod's
 * ±(2^53-1) "safe integer" bounds, which only add noise to the CRD.
 */
function copyBound(node: JsonNode, out: StructuralSchema, key: "minimum" | "maximum", path: string): void {
  const exclusiveKey = key === "minimum" ? "exclusiveMinimum" : "exclusiveMaximum";
  const exclusive = node[exclusiveKey];
  const value = typeof exclusive === "number" ? exclusive : node[key];
  if (value === undefined || ZOD_SAFE_INTEGER_BOUNDS.has(value)) return;
  if (typeof value !== "number") throw new SchemaGenerationError(path, `"${key}" must be a number`);
  out[key] = value;
  if (exclusive === true || typeof exclusive === "number") out[exclusiveKey] = true;
}

/** The API server compiles patterns with Go's RE2, which has no lookaround and no backreferences. */
function checkRe2Pattern(pattern: string, path: string): string {
  if (/\(\?<?[=!]|\\[1-9]/.test(pattern)) {
    throw new SchemaGenerationError(
      path,
      `pattern ${pattern} uses lookaround or a backreference, which RE2 rejects`,
    );
  }
  return pattern;
}
