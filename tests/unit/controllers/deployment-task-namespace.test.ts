import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DeploymentTaskStatus, TaskPhase } from "../../../src/api/v1alpha1/deployment-task.js";
import { cycleThrough, findCycles } from "../../../src/controllers/deployment-task/cycles.js";
import { decideTask } from "../../../src/controllers/deployment-task/decide.js";
import type { DependencyState } from "../../../src/controllers/deployment-task/dependencies.js";
import { deriveTaskPhase } from "../../../src/controllers/deployment-task/phase.js";
import { findCondition, statusEqual } from "../../../src/runtime/conditions.js";
import { at, CREATED, item, spec } from "./deployment-task-fixtures.js";

/** A namespace of tasks: name -> dependsOn. Every task's checklist is complete, so only dependencies hold it. */
const namespace: Record<string, string[]> = {
  solo: ["solo"],
  p: ["q"],
  q: ["p"],
  x: ["y"],
  y: ["z"],
  z: ["x"],
  downstream: ["x"],
  free: [],
  "after-free": ["free"],
  "waits-for-ghost": ["ghost"],
};

/**
 * Reconciles every task of the namespace until no status changes, as the controller would with its cache:
 * dependency phases are read from the dependencies' conditions, cycles from the whole namespace's graph.
 */
function converge(tasks: Record<string, string[]>): Map<string, DeploymentTaskStatus> {
  const statuses = new Map<string, DeploymentTaskStatus>();
  const cycles = findCycles(new Map(Object.entries(tasks)));
  for (let round = 0; round < 10; round++) {
    let changed = false;
    for (const [name, dependsOn] of Object.entries(tasks)) {
      const dependencies = new Map<string, DependencyState>();
      for (const dep of dependsOn) {
        if (!(dep in tasks)) continue;
        const stored = statuses.get(dep);
        dependencies.set(dep, { exists: true, phase: stored && deriveTaskPhase(stored.conditions) });
      }
      const decision = decideTask(
        {
          task: {
            metadata: { name, generation: 1, creationTimestamp: CREATED.toISOString() },
            spec: spec({ dependsOn, checklist: [item.done("work")] }),
            status: statuses.get(name),
          },
          dependencies,
          cycle: cycleThrough(cycles, name),
        },
        at(round * 1000),
      );
      if (!statusEqual(statuses.get(name), decision.status)) changed = true;
      statuses.set(name, decision.status);
    }
    if (!changed) return statuses;
  }
  throw new Error("The namespace did not converge in 10 rounds");
}

type Row = [name: string, phase: TaskPhase, blocked: string, stalled: string | undefined, says: string];

const rows: Row[] = [
  ["solo", "Blocked", "DependencyCycle", "DependencyCycle", "Task solo depends on itself"],
  ["p", "Blocked", "DependencyCycle", "DependencyCycle", "p -> q -> p"],
  ["q", "Blocked", "DependencyCycle", "DependencyCycle", "q -> p -> q"],
  ["x", "Blocked", "DependencyCycle", "DependencyCycle", "x -> y -> z -> x"],
  ["y", "Blocked", "DependencyCycle", "DependencyCycle", "y -> z -> x -> y"],
  ["z", "Blocked", "DependencyCycle", "DependencyCycle", "z -> x -> y -> z"],
  ["downstream", "Blocked", "DependenciesPending", undefined, "Waiting for task x to succeed."],
  ["free", "Succeeded", "DependenciesMet", undefined, "The task has no dependencies."],
  ["after-free", "Succeeded", "DependenciesMet", undefined, "Its dependency has succeeded."],
  ["waits-for-ghost", "Blocked", "DependencyMissing", undefined, "Task ghost does not exist."],
];

describe("a namespace with dependency cycles of one, two and three tasks", () => {
  const statuses = converge(namespace);
  for (const [name, phase, blocked, stalled, says] of rows) {
    it(`${name}: ${phase}, Blocked ${blocked}, ${stalled === undefined ? "not stalled" : `Stalled ${stalled}`}`, () => {
      const status = statuses.get(name);
      assert.equal(status?.phase, phase);
      const blockedCondition = findCondition(status?.conditions, "Blocked");
      assert.equal(blockedCondition?.reason, blocked);
      assert.equal(findCondition(status?.conditions, "Stalled")?.reason, stalled);
      const messages = [
        blockedCondition?.message,
        findCondition(status?.conditions, "Stalled")?.message,
      ].join(" ");
      assert.ok(messages.includes(says), `"${messages}" should contain "${says}"`);
    });
  }
});
