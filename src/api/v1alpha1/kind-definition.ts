import type { z } from "zod";

/** A column `kubectl get` prints, as in a CRD's `additionalPrinterColumns`. */
export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description: string;
  priority?: number;
}

/**
 * Everything needed to serve one kind: its zod schemas (the single source of truth for types and the CRD)
 * and the CRD metadata. The CRD generator and the runtime both read this, so they cannot disagree.
 */
export interface KindDefinition<Spec extends z.ZodType = z.ZodType, Status extends z.ZodType = z.ZodType> {
  kind: string;
  plural: string;
  singular: string;
  listKind: string;
  shortNames: string[];
  scope: "Namespaced" | "Cluster";
  description: string;
  spec: Spec;
  status: Status;
  printerColumns: PrinterColumn[];
  /** CEL rules on the whole object (they can see metadata.name), as `x-kubernetes-validations` at the root. */
  validations?: CelRule[];
}

/** A CEL validation rule the API server enforces, as in `x-kubernetes-validations`. */
export interface CelRule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: "FieldValueInvalid" | "FieldValueForbidden" | "FieldValueRequired" | "FieldValueDuplicate";
  /** Evaluate on create too, with `oldSelf` an optional (`oldSelf.hasValue()` is false on create). */
  optionalOldSelf?: boolean;
}

/** The Age column every kind ends with, as kubectl prints for built-in kinds. */
export const AGE_COLUMN: PrinterColumn = {
  name: "Age",
  type: "date",
  jsonPath: ".metadata.creationTimestamp",
  description: "Time since creation.",
};
