import type { EnvironmentSpec } from "../api/v1alpha1/environment.js";
import type { ReleaseSpec } from "../api/v1alpha1/release.js";
import type { WorkflowPin } from "../api/v1alpha1/workflow-pin.js";

/** Why a release's workflow template does not fit what it declares; undefined when it fits. Pure. */
export function templateMismatch(spec: ReleaseSpec): string | undefined {
  const pin = spec.workflow;
  if (pin === undefined) return undefined;
  const changeType = spec.changeType ?? "Feature";
  if (pin.spec.changeType !== changeType) {
    return (
      `WorkflowTemplate ${pin.template} is for ${pin.spec.changeType} releases and this release is a ` +
      `${changeType}: set spec.changeType: ${pin.spec.changeType}, or name a ${changeType} template`
    );
  }
  const stages = pin.spec.stages.map((s) => s.environment);
  if (stages.join("\u0000") !== spec.pipeline.join("\u0000")) {
    return (
      `WorkflowTemplate ${pin.template} has the stages [${stages.join(", ")}], and spec.pipeline lists ` +
      `[${spec.pipeline.join(", ")}]: list the template's stages in spec.pipeline, in its order`
    );
  }
  return undefined;
}

/**
 * Why `environment` does not admit a release following `pin` (no pin: the default workflow); undefined when it does.
 * An Environment owns its gate: it may list the templates it admits (`spec.gate.workflowTemplates`; then a release
 * must follow one of them), and a regulated one admits only regulated templates; a template never lowers the
 * Environment's own checks and approvals, it adds to them. Pure.
 */
export function templateRefusal(
  environment: string,
  env: EnvironmentSpec,
  pin: WorkflowPin | undefined,
): string | undefined {
  const allowed = env.gate.workflowTemplates;
  if (pin === undefined) {
    // A list is a requirement: leaving the template out must not be the way around its tasks and approvals.
    return allowed.length === 0
      ? undefined
      : `Environment ${environment} admits only releases following one of the workflow templates ` +
          `[${allowed.join(", ")}] (spec.gate.workflowTemplates): set spec.workflowTemplate when you create the release`;
  }
  if (allowed.length > 0 && !allowed.includes(pin.template)) {
    return (
      `Environment ${environment} admits only the workflow templates [${allowed.join(", ")}] ` +
      `(spec.gate.workflowTemplates), not ${pin.template}: create the release with one of them`
    );
  }
  if (env.regulated && !pin.spec.regulated) {
    return (
      `Environment ${environment} is regulated and WorkflowTemplate ${pin.template} is not: create the release ` +
      "with a template marked spec.regulated: true"
    );
  }
  const approvals = pin.spec.stages.find((s) => s.environment === environment)?.approvals?.required;
  const named = (env.gate.approvers?.users.length ?? 0) + (env.gate.approvers?.groups.length ?? 0);
  if (approvals !== undefined && named === 0) {
    return (
      `WorkflowTemplate ${pin.template} asks for ${approvals} approvals in ${environment}, whose Environment names ` +
      "no approvers (spec.gate.approvers): an administrator must name them, or the template must ask for none"
    );
  }
  return undefined;
}

/** The approvals a ChangeRequest into `environment` needs: the Environment's, raised by the release's template. */
export function requiredApprovals(
  environment: string,
  env: EnvironmentSpec,
  pin: WorkflowPin | undefined,
): number {
  const stage = pin?.spec.stages.find((s) => s.environment === environment);
  return Math.max(env.gate.requiredApprovals, stage?.approvals?.required ?? 0);
}
