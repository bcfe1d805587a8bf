import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TaskPhase } from "../../../src/api/v1alpha1/deployment-task.js";
import { decideTask } from "../../../src/controllers/deployment-task/decide.js";
import { findCondition } from "../../../src/runtime/conditions.js";
import { at, taskInput, type DependencyFixture, type SpecInput } from "./deployment-task-fixtures.js";

/** An hour in milliseconds. */
export const HOUR = 3_600_000;
/** A condition's expected status and reason. */
export type Expected = [status: "True" | "False" | "Unknown", reason: string];

/** One situation of a decision table and the decision expected for it. */
export interface Row {
  situation: string;
  spec?: SpecInput;
  deps?: Record<string, DependencyFixture>;
  cycle?: string[];
  environmentTaskSla?: string;
  now?: Date;
  phase: TaskPhase;
  succeeded: Expected;
  blocked?: Expected;
  overdue?: Expected | "absent";
  stalled?: Expected | "absent";
  blockedBy?: string[];
  progress?: string;
  dueAt?: string;
  requeueAfterMs?: number;
  /** Fragments the named condition's message must contain. */
  says?: { condition: string; text: string }[];
  events?: string[];
}

/**
 * Runs a decision table: each row is decided for a fresh task (generation 1, created at `at(0)`, decided at
 * `row.now` or `at(0)`) and checked field by field: phase, each condition's status and reason, status fields,
 * requeue, the message fragments the row names, and the events.
 */
export function runDecisionTable(title: string, rows: readonly Row[]): void {
  describe(title, () => {
    for (const row of rows) {
      it(row.situation, () => {
        const input = taskInput({
          spec: row.spec,
          deps: row.deps,
          cycle: row.cycle,
          environmentTaskSla: row.environmentTaskSla,
        });
        const decision = decideTask(input, row.now ?? at(0));
        const { status } = decision;
        const conditions = status.conditions ?? [];
        const check = (type: string, expected: Expected | "absent" | undefined): void => {
          if (expected === undefined) return;
          const found = findCondition(conditions, type);
          if (expected === "absent") return assert.equal(found, undefined, `${type} should be absent`);
          assert.deepEqual([found?.status, found?.reason], expected, `${type}: ${found?.message}`);
          assert.equal(found?.observedGeneration, 1);
        };
        assert.equal(status.phase, row.phase);
        check("Succeeded", row.succeeded);
        check("Blocked", row.blocked);
        check("Overdue", row.overdue);
        check("Stalled", row.stalled);
        assert.equal(status.observedGeneration, 1);
        assert.deepEqual(status.blockedBy, row.blockedBy);
        if (row.progress !== undefined) assert.equal(status.progress, row.progress);
        if (row.dueAt !== undefined) assert.equal(status.dueAt, row.dueAt);
        assert.equal(decision.requeueAfterMs, row.requeueAfterMs);
        for (const { condition, text } of row.says ?? []) {
          const message = findCondition(conditions, condition)?.message ?? "";
          assert.ok(message.includes(text), `${condition} message "${message}" should contain "${text}"`);
        }
        if (row.events !== undefined)
          assert.deepEqual(
            decision.events.map((e) => e.reason),
            row.events,
          );
        assert.equal(status.completedAt !== undefined, row.phase === "Succeeded");
      });
    }
  });
}
