import type { WorkflowTemplateSpec } from "../api/v1alpha1/workflow-template.js";

/** What is wrong with a template's task dependencies: the field at fault and a sentence with the fix. */
export interface DependencyProblem {
  path: string;
  message: string;
}

/**
 * The first problem with the dependencies of a template's tasks, stage by stage: a dependency on a task the stage
 * does not have, or a cycle (a task that would wait for itself, directly or through others). Undefined when there
 * is none. Pure.
 */
export function dependencyProblem(spec: WorkflowTemplateSpec): DependencyProblem | undefined {
  for (const [s, stage] of spec.stages.entries()) {
    const names = new Set(stage.tasks.map((t) => t.name));
    for (const [t, task] of stage.tasks.entries()) {
      const unknown = task.dependsOn.find((d) => !names.has(d));
      if (unknown !== undefined) {
        return {
          path: `spec.stages[${s}].tasks[${t}].dependsOn`,
          message:
            `task ${task.name} depends on ${unknown}, which stage ${stage.environment} does not have: name a task ` +
            "of the same stage, or remove the dependency",
        };
      }
    }
    const cycle = firstCycle(new Map(stage.tasks.map((t) => [t.name, t.dependsOn])));
    if (cycle !== undefined) {
      const t = stage.tasks.findIndex((task) => task.name === cycle[0]);
      return {
        path: `spec.stages[${s}].tasks[${t}].dependsOn`,
        message:
          `the tasks ${cycle.join(" -> ")} wait for each other, so none could ever succeed: remove one of these ` +
          "dependencies",
      };
    }
  }
  return undefined;
}

/** A cycle of the graph as the names along it (first repeated at the end), or undefined. */
function firstCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const done = new Set<string>();
  const visit = (name: string, path: string[]): string[] | undefined => {
    const at = path.indexOf(name);
    if (at >= 0) return [...path.slice(at), name];
    if (done.has(name)) return undefined;
    for (const next of edges.get(name) ?? []) {
      const found = visit(next, [...path, name]);
      if (found !== undefined) return found;
    }
    done.add(name);
    return undefined;
  };
  for (const name of edges.keys()) {
    const found = visit(name, []);
    if (found !== undefined) return found;
  }
  return undefined;
}
