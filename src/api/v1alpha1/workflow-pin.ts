import { z } from "zod";
import { ObjectName } from "./meta.js";
import { WorkflowTemplateSpec } from "./workflow-template.js";

/**
 * The WorkflowTemplate a Release was created with, as it stood then: stamped into `spec.workflow` by the admission
 * webhook from the template it read at the release's creation (whatever the request said is replaced, a forged
 * value refused), and immutable afterwards. The operator decides the release's tasks and approvals from this copy
 * alone, so a later edit of the template changes no release in flight.
 */
export const WorkflowPin = z
  .object({
    template: ObjectName.describe("The WorkflowTemplate's name."),
    uid: z.string().min(1).max(64).describe("The WorkflowTemplate's UID when the release was created."),
    generation: z
      .number()
      .int()
      .min(1)
      .describe("The WorkflowTemplate's generation when the release was created."),
    digest: z
      .string()
      .max(71)
      .regex(/^sha256:[0-9a-f]{64}$/, "must be sha256: and 64 lowercase hexadecimal digits")
      .describe("sha256 of the canonical JSON of the template's spec as copied here."),
    spec: WorkflowTemplateSpec.describe("The template's spec when the release was created."),
  })
  .describe(
    "The workflow template this release was created with, stamped by the admission webhook (never written by " +
      "hand) and immutable: a later edit of the template does not change this release.",
  );
export type WorkflowPin = z.infer<typeof WorkflowPin>;
