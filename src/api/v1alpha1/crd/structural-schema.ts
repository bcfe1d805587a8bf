import type { CelRule } from "../kind-definition.js";

/** The value types a structural schema can declare. */
export type StructuralType = "object" | "array" | "string" | "integer" | "number" | "boolean";

/**
 * The subset of apiextensions.k8s.io/v1 JSONSchemaProps the generator emits: every node typed (or int-or-string
 * or preserve-unknown), no references, no logical junctors, so the API server accepts it as structural.
 */
export interface StructuralSchema {
  description?: string;
  type?: StructuralType;
  format?: string;
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maximum?: number;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  items?: StructuralSchema;
  properties?: Record<string, StructuralSchema>;
  additionalProperties?: StructuralSchema;
  required?: string[];
  "x-kubernetes-int-or-string"?: true;
  "x-kubernetes-preserve-unknown-fields"?: true;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "atomic" | "granular";
  "x-kubernetes-validations"?: CelRule[];
}

/**
 * The order keys are written in: the description first, then the value's shape, then its children, then the
 * Kubernetes extensions. A fixed order keeps generated YAML byte-for-byte stable and easy to review.
 */
export const SCHEMA_KEY_ORDER: readonly (keyof StructuralSchema)[] = [
  "description",
  "type",
  "format",
  "enum",
  "default",
  "nullable",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "exclusiveMinimum",
  "maximum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "minProperties",
  "maxProperties",
  "items",
  "properties",
  "additionalProperties",
  "required",
  "x-kubernetes-int-or-string",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-embedded-resource",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
  "x-kubernetes-validations",
];

/** Returns a copy of the node with its keys in SCHEMA_KEY_ORDER, dropping undefined values. */
export function orderSchemaKeys(node: StructuralSchema): StructuralSchema {
  const ordered: Record<string, unknown> = {};
  for (const key of SCHEMA_KEY_ORDER) {
    if (node[key] !== undefined) ordered[key] = node[key];
  }
  return ordered;
}
