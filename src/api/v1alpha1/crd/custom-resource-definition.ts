import { API_VERSION, CATEGORY, GROUP, VERSION } from "../group.js";
import type { KindDefinition, PrinterColumn } from "../kind-definition.js";
import type { StructuralSchema } from "./structural-schema.js";
import { toStructuralSchema } from "./to-structural-schema.js";

/** One served version of a CRD, as in apiextensions.k8s.io/v1. */
export interface CustomResourceDefinitionVersion {
  name: string;
  served: boolean;
  storage: boolean;
  subresources: { status: Record<string, never> };
  additionalPrinterColumns: PrinterColumn[];
  schema: { openAPIV3Schema: StructuralSchema };
}

/** The apiextensions.k8s.io/v1 CustomResourceDefinition the generator writes for one kind. */
export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string };
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    scope: "Namespaced" | "Cluster";
    versions: CustomResourceDefinitionVersion[];
  };
}

/**
 * Builds the CRD of one kind from its KindDefinition: one served and stored version with a status subresource,
 * printer columns, and a structural schema whose spec and status come from the kind's zod schemas.
 */
export function buildCustomResourceDefinition(definition: KindDefinition): CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${definition.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: definition.kind,
        listKind: definition.listKind,
        plural: definition.plural,
        singular: definition.singular,
        shortNames: [...definition.shortNames],
        categories: [CATEGORY],
      },
      scope: definition.scope,
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: definition.printerColumns.map((column) => ({ ...column })),
          schema: { openAPIV3Schema: buildRootSchema(definition) },
        },
      ],
    },
  };
}

function buildRootSchema(definition: KindDefinition): StructuralSchema {
  const root: StructuralSchema = {
    description: definition.description,
    type: "object",
    properties: {
      apiVersion: {
        description: `The versioned schema of this object: ${API_VERSION}.`,
        type: "string",
      },
      kind: { description: `The kind of this object: ${definition.kind}.`, type: "string" },
      metadata: { type: "object" },
      spec: toStructuralSchema(definition.spec, "spec"),
      status: toStructuralSchema(definition.status, "status"),
    },
    required: ["spec"],
  };
  if (definition.validations && definition.validations.length > 0) {
    root["x-kubernetes-validations"] = definition.validations.map((rule) => ({ ...rule }));
  }
  return root;
}
