import { z } from "zod";
import { WorkflowTemplateSpec } from "../api/v1alpha1/workflow-template.js";
import { dependencyProblem } from "../workflow/dependencies.js";
import type { AdmissionResponse } from "./admission-review.js";
import { refuse, settle } from "./audit-outcome.js";
import { ALLOWED, deny } from "./verdict.js";
import type { AdmissionHandler } from "./webhook-context.js";

const TemplateView = z.looseObject({ spec: z.unknown() });

/**
 * `/validate/workflowtemplates`: what the CRD schema cannot say about a template, on CREATE and UPDATE. Every task
 * a template's task depends on must be in the same stage, and no tasks may wait for each other (a cycle would hold
 * every release following the template for good). Denied as `WorkflowTemplateInvalid`, naming the field at fault.
 */
export const validateWorkflowTemplate: AdmissionHandler = async (
  request,
  ctx,
): Promise<AdmissionResponse> => {
  if (request.operation !== "CREATE" && request.operation !== "UPDATE") return settle(request, ctx, ALLOWED);
  const view = TemplateView.safeParse(request.object);
  const spec = WorkflowTemplateSpec.safeParse(view.success ? view.data.spec : undefined);
  // The API server's schema validation reports a spec that does not parse, naming the field.
  if (!spec.success) return settle(request, ctx, ALLOWED);
  const problem = dependencyProblem(spec.data);
  if (problem === undefined) return settle(request, ctx, ALLOWED);
  return refuse(request, ctx, deny("WorkflowTemplateInvalid", `${problem.path}: ${problem.message}.`));
};
