import type { EnvironmentSpec } from "../api/v1alpha1/environment.js";
import type { WorkflowPin } from "../api/v1alpha1/workflow-pin.js";
import { requiredApprovals } from "../policy/workflow-template.js";

/**
 * The Environment's spec as it applies to a release following `pin`: the same, with `gate.requiredApprovals` raised
 * to what the template's stage asks (never lowered). Without a pin, or when the stage asks no more, `env` itself.
 * Pure.
 */
export function effectiveEnvironment(
  environment: string,
  env: EnvironmentSpec,
  pin: WorkflowPin | undefined,
): EnvironmentSpec {
  const required = requiredApprovals(environment, env, pin);
  if (required === env.gate.requiredApprovals) return env;
  return { ...env, gate: { ...env.gate, requiredApprovals: required } };
}
