import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DeploymentTaskStatus } from "../../../src/api/v1alpha1/deployment-task.js";
import { decideTask, type TaskDecision } from "../../../src/controllers/deployment-task/decide.js";
import { findCondition, statusEqual } from "../../../src/runtime/conditions.js";
import { at, item, taskInput, type DependencyFixture, type SpecInput } from "./deployment-task-fixtures.js";

const HOUR = 3_600_000;

/** One reconcile in a sequence: what the world looks like at `time`; the stored status is the last decision's. */
interface Step {
  time: number;
  spec?: SpecInput;
  deps?: Record<string, DependencyFixture>;
  generation?: number;
}

/** Runs a task through successive reconciles, feeding each decided status back as the stored one. */
function run(steps: Step[]): TaskDecision[] {
  let status: DeploymentTaskStatus | undefined;
  return steps.map((step) => {
    const decision = decideTask(
      taskInput({ spec: step.spec, deps: step.deps, status, generation: step.generation }),
      at(step.time),
    );
    status = decision.status;
    return decision;
  });
}

function condition(decision: TaskDecision | undefined, type: string) {
  return findCondition(decision?.status.conditions, type);
}

describe("decideTask over time", () => {
  it("stamps completedAt at the first success and never changes it, even after the spec changes", () => {
    const open = { checklist: [item.pending("a")] };
    const done = { checklist: [item.done("a")] };
    const reopened = { checklist: [item.done("a"), item.pending("b")] };
    const doneAgain = { checklist: [item.done("a"), item.done("b")] };
    const [first, second, third, fourth, fifth] = run([
      { time: 0, spec: open },
      { time: HOUR, spec: done },
      { time: 2 * HOUR, spec: done },
      { time: 3 * HOUR, spec: reopened, generation: 2 },
      { time: 4 * HOUR, spec: doneAgain, generation: 3 },
    ]);
    assert.equal(first?.status.completedAt, undefined);
    assert.equal(second?.status.completedAt, "2030-01-01T01:00:00Z");
    assert.equal(third?.status.completedAt, "2030-01-01T01:00:00Z");
    assert.equal(fourth?.status.phase, "Ready");
    assert.equal(fourth?.status.completedAt, "2030-01-01T01:00:00Z");
    assert.equal(fifth?.status.phase, "Succeeded");
    assert.equal(fifth?.status.completedAt, "2030-01-01T01:00:00Z");
    assert.deepEqual(
      [first, second, third, fourth, fifth].map((d) => d?.events.map((e) => e.reason)),
      [[], ["Succeeded"], [], [], ["Succeeded"]],
    );
  });

  it("keeps lastTransitionTime while a condition holds and moves it when the status flips", () => {
    const [blocked, stillBlocked, unblocked] = run([
      { time: 0, deps: { scan: "Ready", uat: "Ready" } },
      { time: HOUR, deps: { scan: "Succeeded", uat: "Ready" } },
      { time: 2 * HOUR, deps: { scan: "Succeeded", uat: "Succeeded" } },
    ]);
    assert.equal(condition(blocked, "Blocked")?.lastTransitionTime, "2030-01-01T00:00:00Z");
    assert.equal(condition(stillBlocked, "Blocked")?.lastTransitionTime, "2030-01-01T00:00:00Z");
    assert.equal(condition(stillBlocked, "Blocked")?.message, "Waiting for task uat to succeed.");
    assert.equal(condition(unblocked, "Blocked")?.status, "False");
    assert.equal(condition(unblocked, "Blocked")?.lastTransitionTime, "2030-01-01T02:00:00Z");
    assert.deepEqual(
      unblocked?.events.map((e) => [e.type, e.reason]),
      [["Normal", "Unblocked"]],
    );
    assert.deepEqual(
      unblocked?.status.conditions?.map((c) => c.type),
      ["Succeeded", "Blocked"],
      "the order of conditions is stable",
    );
  });

  it("stamps the new generation on status and on every condition", () => {
    const [, later] = run([
      { time: 0, spec: { checklist: [item.pending("a")] }, generation: 1 },
      { time: HOUR, spec: { checklist: [item.pending("a"), item.pending("b")] }, generation: 4 },
    ]);
    assert.equal(later?.status.observedGeneration, 4);
    assert.deepEqual(
      later?.status.conditions?.map((c) => c.observedGeneration),
      [4, 4],
    );
  });

  it("flips Overdue at the due instant: requeue for exactly the time left, then one Warning event", () => {
    const open: SpecInput = { sla: "1h", checklist: [item.pending("a")] };
    const [early, justBefore, due, later] = run([
      { time: 0, spec: open },
      { time: HOUR - 1, spec: open },
      { time: HOUR, spec: open },
      { time: 5 * HOUR, spec: open },
    ]);
    assert.deepEqual(
      [early, justBefore, due, later].map((d) => d?.requeueAfterMs),
      [HOUR, 1, undefined, undefined],
    );
    assert.deepEqual(
      [early, justBefore, due, later].map((d) => condition(d, "Overdue")?.status),
      ["False", "False", "True", "True"],
    );
    assert.equal(condition(due, "Overdue")?.lastTransitionTime, "2030-01-01T01:00:00Z");
    assert.deepEqual(
      [early, justBefore, due, later].map((d) => d?.events.map((e) => e.reason)),
      [[], [], ["Overdue"], []],
    );
    assert.ok(statusEqual(due?.status, later?.status), "nothing to write while it stays overdue");
  });

  it("decides the same status again when nothing changed, so nothing is written and nothing announced", () => {
    const situation: Step = {
      time: 0,
      spec: { sla: "2h", checklist: [item.done("a")] },
      deps: { scan: "Succeeded" },
    };
    const [first, again] = run([situation, { ...situation, time: HOUR }]);
    assert.ok(statusEqual(first?.status, again?.status));
    assert.deepEqual(again?.events, []);
  });

  it("drops Stalled and Overdue once they no longer apply", () => {
    const [stalled, fixed, noDue] = run([
      { time: 0, spec: { sla: "3d" } },
      { time: HOUR, spec: { sla: "72h" }, generation: 2 },
      { time: 2 * HOUR, spec: {}, generation: 3 },
    ]);
    assert.equal(condition(stalled, "Stalled")?.reason, "InvalidSpec");
    assert.equal(condition(fixed, "Stalled"), undefined);
    assert.equal(condition(fixed, "Overdue")?.reason, "OnTime");
    assert.equal(condition(noDue, "Overdue"), undefined);
    assert.equal(noDue?.status.dueAt, undefined);
  });

  it("does not modify the stored status it is given", () => {
    const input = taskInput({ spec: { checklist: [item.pending("a")] } });
    const first = decideTask(input, at(0));
    const stored = structuredClone(first.status);
    decideTask(taskInput({ spec: { checklist: [item.done("a")] }, status: first.status }), at(HOUR));
    assert.deepEqual(first.status, stored);
  });
});
