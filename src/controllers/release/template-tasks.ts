import type { GateBinding } from "../../api/v1alpha1/binding.js";
import type { EnvironmentSpec } from "../../api/v1alpha1/environment.js";
import type { WorkflowPin } from "../../api/v1alpha1/workflow-pin.js";
import type { TemplateTask } from "../../api/v1alpha1/workflow-template.js";
import type { EnsureCheckTask, PlannedChecklistItem } from "./actions.js";
import { checklistFor } from "./checklists.js";
import { checkTaskName } from "./names.js";

/** The release fields a template task is planned from. */
interface TemplateRelease {
  name: string;
  spec: { version: string; workflow?: WorkflowPin | undefined };
}

/** The DeploymentTask of one template task for one binding: `<release>-<environment>-wf-<task>-<hash>`. */
export function templateTaskName(binding: GateBinding, task: string): string {
  return checkTaskName(binding, `wf-${task}`);
}

/** The names of the tasks the release's pinned template opens in `environment` for `binding`; empty without one. */
export function templateTaskNames(release: TemplateRelease, binding: GateBinding): string[] {
  return stageTasks(release.spec.workflow, binding.environment).map((t) => templateTaskName(binding, t.name));
}

function stageTasks(pin: WorkflowPin | undefined, environment: string): readonly TemplateTask[] {
  return pin?.spec.stages.find((s) => s.environment === environment)?.tasks ?? [];
}

/**
 * The DeploymentTasks the release's pinned template opens at `environment`'s gate, by deterministic name: the
 * template's checklist (else the default one of the type), owners (else the Environment's, as for its own checks),
 * SLA (else the Environment's taskSLA) and dependencies, as the names of the tasks they depend on (a task is Blocked,
 * and cannot succeed, until those have). Opened all at once with the Environment's own checks.
 */
export function planTemplateTasks(
  release: TemplateRelease,
  binding: GateBinding,
  env: EnvironmentSpec,
  defaultOwners: (type: TemplateTask["type"]) => EnsureCheckTask["owners"],
): EnsureCheckTask[] {
  const pin = release.spec.workflow;
  const { environment } = binding;
  return stageTasks(pin, environment).map((task) => {
    const sla = task.sla ?? env.taskSLA;
    return {
      kind: "EnsureCheckTask",
      name: templateTaskName(binding, task.name),
      environment,
      binding,
      type: task.type,
      title:
        task.title ??
        `${task.name} (${task.type}) of ${release.name} ${release.spec.version} in ${environment}`,
      description:
        task.description ??
        `Task ${task.name} of workflow template ${pin?.template ?? ""}, which release ${release.name} ` +
          `(version ${release.spec.version}) follows, before it may enter ${environment}.`,
      releaseRef: { name: release.name },
      owners: task.owners.length > 0 ? task.owners.map((o) => ({ ...o })) : defaultOwners(task.type),
      checklist: task.checklist === undefined ? checklistFor(task.type) : task.checklist.map(plannedItem),
      ...(sla === undefined ? {} : { sla }),
      ...(task.dependsOn.length === 0
        ? {}
        : { dependsOn: task.dependsOn.map((d) => templateTaskName(binding, d)) }),
    };
  });
}

function plannedItem(item: NonNullable<TemplateTask["checklist"]>[number]): PlannedChecklistItem {
  return {
    name: item.name,
    ...(item.description === undefined ? {} : { description: item.description }),
    required: item.required,
    requiresEvidence: item.requiresEvidence,
  };
}
