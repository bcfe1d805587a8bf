import { z } from "zod";
import { Timestamp } from "./meta.js";

/** A condition in the shape of metav1.Condition, so kubectl and every Kubernetes tool read it as usual. */
export const Condition = z
  .object({
    type: z
      .string()
      .min(1)
      .max(316)
      .describe("The aspect of the object this condition reports on, in CamelCase (for example Ready)."),
    status: z
      .enum(["True", "False", "Unknown"])
      .describe("Whether the condition holds: True, False or Unknown."),
    observedGeneration: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("The metadata.generation the operator had read when it set this condition."),
    lastTransitionTime: Timestamp.describe("When status last changed from one value to another."),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/, "must be a CamelCase word")
      .describe("A CamelCase word that names why the condition has its status."),
    message: z.string().max(32768).describe("A sentence a person can act on, explaining the status."),
  })
  .describe("One observation of the object's state, following the Kubernetes API conventions.");
export type Condition = z.infer<typeof Condition>;

/** The conditions list, a list-map keyed by `type` so server-side apply merges it entry by entry. */
export const Conditions = z.array(Condition).meta({
  description: "The latest observations of the object's state.",
  "x-kubernetes-list-type": "map",
  "x-kubernetes-list-map-keys": ["type"],
});

/** `status.observedGeneration`: the generation a controller last reconciled completely. */
export const ObservedGeneration = z
  .number()
  .int()
  .optional()
  .describe("The metadata.generation the operator last reconciled completely.");
