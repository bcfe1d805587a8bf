import type { z } from "zod";
import {
  DeploymentTaskSpec,
  type DeploymentTaskStatus,
  type TaskPhase,
} from "../../../src/api/v1alpha1/deployment-task.js";
import type { DependencyState } from "../../../src/controllers/deployment-task/dependencies.js";
import type { TaskDecisionInput } from "../../../src/controllers/deployment-task/decide.js";

/** The instant every task in these tests was created. */
export const CREATED = new Date("2030-01-01T00:00:00Z");

/** A spec as a person writes it: only `title` is filled in for them. */
export type SpecInput = Partial<z.input<typeof DeploymentTaskSpec>>;

/** How a dependency looks from the cache: its phase, "missing", or "new" (exists, never reconciled). */
export type DependencyFixture = TaskPhase | "missing" | "new";

/** `ms` milliseconds after creation. */
export function at(ms: number): Date {
  return new Date(CREATED.getTime() + ms);
}

/**
 * Parses a spec with the API's defaults, as the reconciler will have it from the cache. `sla` and `dueAt` are
 * kept as written, unvalidated, so tests can also feed values the API server would have rejected.
 */
export function spec(input: SpecInput = {}): DeploymentTaskSpec {
  const { sla, dueAt, ...rest } = input;
  const parsed = DeploymentTaskSpec.parse({ type: "Checklist", title: "Do the work", ...rest });
  return { ...parsed, ...(sla === undefined ? {} : { sla }), ...(dueAt === undefined ? {} : { dueAt }) };
}

/** The dependency view the reconciler would gather; "missing" entries are left out of the map on purpose. */
export function dependencyView(deps: Record<string, DependencyFixture> = {}): Map<string, DependencyState> {
  const view = new Map<string, DependencyState>();
  for (const [name, state] of Object.entries(deps)) {
    if (state === "missing") continue;
    view.set(name, state === "new" ? { exists: true } : { exists: true, phase: state });
  }
  return view;
}

/** A decision input for task `name`, depending on the keys of `deps` in their order. */
export function taskInput(options: {
  name?: string;
  spec?: SpecInput;
  deps?: Record<string, DependencyFixture>;
  status?: DeploymentTaskStatus;
  cycle?: string[];
  generation?: number;
  environmentTaskSla?: string;
}): TaskDecisionInput {
  const deps = options.deps ?? {};
  return {
    task: {
      metadata: {
        name: options.name ?? "task",
        generation: options.generation ?? 1,
        creationTimestamp: CREATED.toISOString(),
      },
      spec: spec({ dependsOn: Object.keys(deps), ...options.spec }),
      status: options.status,
    },
    dependencies: dependencyView(deps),
    cycle: options.cycle,
    environmentTaskSla: options.environmentTaskSla,
  };
}

/** Checklist shorthands. */
export const item = {
  done: (name: string, extra: object = {}) => ({ name, state: "Done" as const, ...extra }),
  pending: (name: string, extra: object = {}) => ({ name, state: "Pending" as const, ...extra }),
  failed: (name: string, extra: object = {}) => ({ name, state: "Failed" as const, ...extra }),
  optional: (name: string, state: "Pending" | "Done" | "Skipped" | "Failed") => ({
    name,
    required: false,
    state,
  }),
};
