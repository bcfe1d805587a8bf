import type { TaskPhase } from "../../api/v1alpha1/deployment-task.js";
import { formatCycle } from "./cycles.js";
import { TaskReason } from "./reasons.js";
import { agree, nameList, sentence } from "./wording.js";

/**
 * What the reconciler knows about one dependency from the cache: whether it exists and, if so, its phase as
 * {@link deriveTaskPhase} reads it from the dependency's conditions (undefined before its first reconcile).
 */
export type DependencyState = { exists: false } | { exists: true; phase?: TaskPhase | undefined };

/** The reasons the Blocked condition can carry. */
export type DependencyReason =
  | typeof TaskReason.DependenciesMet
  | typeof TaskReason.DependenciesPending
  | typeof TaskReason.DependencyMissing
  | typeof TaskReason.DependencyFailed
  | typeof TaskReason.DependencyCancelled
  | typeof TaskReason.DependencyCycle;

/** Whether a task may be worked on yet, and why not. */
export interface DependencyVerdict {
  blocked: boolean;
  reason: DependencyReason;
  message: string;
  /** The dependencies that have not succeeded (missing ones included), in `spec.dependsOn` order. */
  blockedBy: string[];
}

/**
 * Decides the Blocked condition from the task's dependencies. A task is blocked while any dependency is
 * missing or has not succeeded, or while it sits on a dependency cycle. The reason names the cause a person
 * must act on first: a cycle, then a failed or cancelled dependency (waiting will not help), then a missing
 * one, then ones still in progress; the message lists every group. A dependency absent from `dependencies`
 * counts as missing.
 */
export function assessDependencies(
  dependsOn: readonly string[],
  dependencies: ReadonlyMap<string, DependencyState>,
  cycle?: readonly string[],
): DependencyVerdict {
  const pending: string[] = [];
  const missing: string[] = [];
  const failed: string[] = [];
  const cancelled: string[] = [];
  for (const name of new Set(dependsOn)) {
    const state = dependencies.get(name) ?? { exists: false };
    if (!state.exists) missing.push(name);
    else if (state.phase === "Succeeded") continue;
    else if (state.phase === "Failed") failed.push(name);
    else if (state.phase === "Cancelled") cancelled.push(name);
    else pending.push(name);
  }
  const blockedBy = [...new Set(dependsOn)].filter(
    (name) =>
      pending.includes(name) || missing.includes(name) || failed.includes(name) || cancelled.includes(name),
  );
  const onCycle = cycle !== undefined && cycle.length > 0;
  const clauses = [
    onCycle ? describeCycle(cycle) : "",
    pending.length > 0 ? `waiting for ${nameList("task", "tasks", pending)} to succeed` : "",
    missing.length > 0
      ? `${nameList("task", "tasks", missing)} ${agree(missing, "does", "do")} not exist`
      : "",
    failed.length > 0 ? `${nameList("task", "tasks", failed)} failed` : "",
    cancelled.length > 0
      ? `${nameList("task", "tasks", cancelled)} ${agree(cancelled, "was", "were")} cancelled`
      : "",
  ];
  const reason: DependencyReason = onCycle
    ? TaskReason.DependencyCycle
    : failed.length > 0
      ? TaskReason.DependencyFailed
      : cancelled.length > 0
        ? TaskReason.DependencyCancelled
        : missing.length > 0
          ? TaskReason.DependencyMissing
          : pending.length > 0
            ? TaskReason.DependenciesPending
            : TaskReason.DependenciesMet;
  if (reason === TaskReason.DependenciesMet) {
    return { blocked: false, reason, message: describeMet(dependsOn.length), blockedBy };
  }
  return { blocked: true, reason, message: sentence(clauses), blockedBy };
}

/** The sentence that spells a dependency cycle from the task's own point of view. */
export function describeCycle(cycle: readonly string[]): string {
  if (cycle.length === 1) {
    return `task ${cycle[0] ?? ""} depends on itself; remove its own name from spec.dependsOn`;
  }
  return `tasks depend on each other in a cycle, ${formatCycle(cycle)}; remove one of these dependencies`;
}

function describeMet(count: number): string {
  if (count === 0) return "The task has no dependencies.";
  return count === 1 ? "Its dependency has succeeded." : `All ${count} dependencies have succeeded.`;
}
