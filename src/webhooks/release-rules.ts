import type { EnvironmentSpec } from "../api/v1alpha1/environment.js";
import {
  isGated,
  mutableRevisionProblem,
  resolvableRef,
  targetIdentity,
} from "../api/v1alpha1/release-binding.js";
import type { ReleaseSpec } from "../api/v1alpha1/release.js";
import { scopeOf, targetOwnership } from "../policy/delivery-ownership.js";
import { templateMismatch, templateRefusal } from "../policy/workflow-template.js";
import { ALLOWED, deny, type Verdict } from "./verdict.js";

/** What the Release webhook knows of the world: the pipeline's Environments and the targets' labels. */
export interface ReleaseWorld {
  /** Each pipeline Environment's spec; undefined when it does not exist (the controller then stalls the release). */
  environments: ReadonlyMap<string, EnvironmentSpec | undefined>;
  /** The labels of each target's delivery object by environment; undefined when it does not exist (yet). */
  targetLabels: ReadonlyMap<string, Readonly<Record<string, string>> | undefined>;
}

/**
 * Judges a Release's spec against the Environments it names: every target must be a delivery object its
 * environment owns, the pipeline must follow each environment's promotesFrom without skipping a stage, and a
 * gated environment approves only immutable revisions, and the release's workflow template must fit it and be admitted
 * by each environment. The first violation denies, naming the rule and the fix.
 * Environments that do not exist yet are left to the controller (GitOps may apply a Release first).
 */
export function judgeRelease(spec: ReleaseSpec, world: ReleaseWorld): Verdict {
  for (const target of spec.targets) {
    const env = world.environments.get(target.environment);
    if (env === undefined) continue;
    const identity = targetIdentity(target, spec);
    // An object that does not exist yet (GitOps may apply the Release first) is judged by its namespace here; the
    // controller judges its labels before every write.
    const labels =
      world.targetLabels.get(target.environment) ?? scopeOf(env.delivery, identity.kind)?.matchLabels;
    const owned = targetOwnership(target.environment, env.delivery, { ...identity, labels });
    if (!owned.pass) return deny("TargetNotOwned", `spec.targets[${target.environment}]: ${owned.message}`);
  }
  for (const [i, name] of spec.pipeline.entries()) {
    const env = world.environments.get(name);
    if (env === undefined || env.promotesFrom.length === 0) continue;
    const before = i === 0 ? undefined : spec.pipeline[i - 1];
    if (before === undefined || !env.promotesFrom.includes(before)) {
      return deny(
        "StageSkipped",
        `spec.pipeline: Environment ${name} promotes only from [${env.promotesFrom.join(", ")}], but the pipeline ` +
          `${before === undefined ? "begins with it" : `reaches it from ${before}`}: put one of ` +
          `[${env.promotesFrom.join(", ")}] right before ${name}.`,
      );
    }
  }
  for (const target of spec.targets) {
    const env = world.environments.get(target.environment);
    if (env === undefined || !isGated(env)) continue;
    const problem = mutableRevisionProblem(target, spec, {
      ref: resolvableRef(env, spec),
      chartRanges: env.gate.mutableRevisions === "Resolve",
    });
    if (problem !== undefined) {
      return deny("MutableRevision", `Environment ${target.environment} is gated: ${problem}.`);
    }
  }
  return judgeWorkflow(spec, world);
}

/** The release's workflow template must fit it (change type, stages) and be admitted by each of its Environments. */
function judgeWorkflow(spec: ReleaseSpec, world: ReleaseWorld): Verdict {
  const mismatch = templateMismatch(spec);
  if (mismatch !== undefined) return deny("WorkflowTemplateRefused", `spec.workflowTemplate: ${mismatch}.`);
  for (const name of spec.pipeline) {
    const env = world.environments.get(name);
    const refusal = env === undefined ? undefined : templateRefusal(name, env, spec.workflow);
    if (refusal !== undefined) return deny("WorkflowTemplateRefused", `spec.workflowTemplate: ${refusal}.`);
  }
  return ALLOWED;
}
