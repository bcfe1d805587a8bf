import type { WorkflowPin } from "../api/v1alpha1/workflow-pin.js";
import { jsonEqual } from "../runtime/deep-equal.js";
import { pinTemplate, type TemplateObject } from "../workflow/pin.js";
import type { JsonPatchOperation } from "./admission-review.js";
import { jsonPointer } from "./stamping.js";
import { ALLOWED, deny, type Verdict } from "./verdict.js";

/** What the webhook decides about `spec.workflow`: a denial, or the patch that leaves it as it must be. */
export type WorkflowDecision = { verdict: Verdict; patch: JsonPatchOperation[] };

const FORGED =
  "spec.workflow is stamped by the server with the WorkflowTemplate spec.workflowTemplate names, as it stands when " +
  "the release is created, and cannot be set or altered by hand: leave spec.workflow out of your manifest";

/**
 * Decides `spec.workflow` for a Release CREATE or UPDATE. On CREATE, a release naming `spec.workflowTemplate` is
 * stamped with that template as read now (`lookup`); a template that does not exist or does not parse refuses the
 * release, naming it. A request carrying a `spec.workflow` other than the stamp it earns (CREATE) or the stored one
 * (UPDATE) is denied (`WorkflowForged`). `lookup` is called only on CREATE with a template named.
 */
export async function decideWorkflow(
  before: Readonly<Record<string, unknown>> | undefined,
  after: Readonly<Record<string, unknown>>,
  lookup: ((name: string) => Promise<TemplateObject | undefined>) | undefined,
): Promise<WorkflowDecision> {
  const none: WorkflowDecision = { verdict: ALLOWED, patch: [] };
  if (before !== undefined) {
    // Immutable once created (the CRD says so too); the webhook names the rule and the fix.
    return jsonEqual(before.workflow, after.workflow)
      ? none
      : { verdict: deny("WorkflowForged", FORGED), patch: [] };
  }
  const name = after.workflowTemplate;
  if (name === undefined) {
    return after.workflow === undefined ? none : { verdict: deny("WorkflowForged", FORGED), patch: [] };
  }
  if (typeof name !== "string") return none; // the schema reports the type
  if (lookup === undefined) {
    return {
      verdict: deny(
        "WorkflowTemplateNotFound",
        `this webhook cannot read WorkflowTemplates, so spec.workflowTemplate ${name} cannot be applied: give the ` +
          "operator get on workflowtemplates (config/rbac), or create the release without a template",
      ),
      patch: [],
    };
  }
  const template = await lookup(name);
  if (template === undefined) {
    return {
      verdict: deny(
        "WorkflowTemplateNotFound",
        `spec.workflowTemplate: there is no WorkflowTemplate ${name}; create it first (kubectl get workflowtemplates ` +
          "lists them), or correct the name",
      ),
      patch: [],
    };
  }
  const pinned = pinTemplate(template);
  if (!pinned.ok) {
    return {
      verdict: deny(
        "WorkflowTemplateInvalid",
        `WorkflowTemplate ${name} cannot be applied: ${pinned.problem}; an administrator must fix the template`,
      ),
      patch: [],
    };
  }
  return stamp(after.workflow, pinned.pin);
}

function stamp(typed: unknown, pin: WorkflowPin): WorkflowDecision {
  if (typed !== undefined && !jsonEqual(typed, pin))
    return { verdict: deny("WorkflowForged", FORGED), patch: [] };
  return { verdict: ALLOWED, patch: [{ op: "add", path: jsonPointer("spec", "workflow"), value: pin }] };
}
