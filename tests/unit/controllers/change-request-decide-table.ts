import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChangeRequestStatus } from "../../../src/api/v1alpha1/change-request.js";
import {
  decideChangeRequest,
  type ChangeRequestDecision,
} from "../../../src/controllers/change-control/change-request-decide.js";
import { findCondition } from "../../../src/runtime/conditions.js";
import { approvalSpec, at, crInput } from "./change-request-fixtures.js";

/** A condition's expected status and reason. */
export type Expected = [status: "True" | "False" | "Unknown", reason: string];

/** One situation of a ChangeRequest decision table and what must come out of it. */
export interface Row {
  situation: string;
  input: Parameters<typeof crInput>[0];
  /** Hours after T0 when decided; 10 by default. */
  now?: number;
  approved: Expected;
  closed: Expected;
  /** Fields of the decided status that must have these values (undefined: must be absent). */
  status?: Partial<Record<keyof ChangeRequestStatus, unknown>>;
  /** The audit actions, in order, each as `actor action`. */
  audit: string[];
  events?: string[];
  openApproval?: string;
  reviewTaskDueAt?: string;
  requeueAfterMs?: number;
  /** Fragments the Approved condition's message must contain. */
  says?: string[];
  /** Checks on the decision beyond the columns above. */
  check?: (decision: ChangeRequestDecision) => void;
}

/**
 * Runs a ChangeRequest decision table. After checking a row it applies the decision to the world (the opened
 * Approval and the review task now exist, the status is stored) and decides again at the same instant: the
 * second pass must write the same status and produce no audit entries, events or children, which is what makes
 * a reconcile safe to repeat.
 */
export function runChangeRequestTable(title: string, rows: readonly Row[]): void {
  describe(title, () => {
    for (const row of rows) {
      it(row.situation, () => {
        const now = at(row.now ?? 10);
        const input = crInput(row.input);
        const decision = decideChangeRequest(input, now);
        const conditions = decision.status.conditions ?? [];
        const check = (type: string, expected: Expected): void => {
          const found = findCondition(conditions, type);
          assert.deepEqual([found?.status, found?.reason], expected, `${type}: ${found?.message}`);
          assert.equal(found?.observedGeneration, 1);
        };
        check("Approved", row.approved);
        check("Closed", row.closed);
        for (const [field, value] of Object.entries(row.status ?? {})) {
          assert.deepEqual(decision.status[field as keyof ChangeRequestStatus], value, `status.${field}`);
        }
        assert.deepEqual(
          decision.audit.map((a) => `${a.actor} ${a.action}`),
          row.audit,
        );
        for (const entry of decision.audit) {
          assert.match(String(entry.details.message), /^[A-Z].*\.$/, `${entry.action} says what happened`);
          assert.equal(entry.details.changeRequest, "change");
        }
        if (row.events !== undefined) {
          assert.deepEqual(
            decision.events.map((e) => e.reason),
            row.events,
          );
        }
        assert.equal(decision.openApproval?.name, row.openApproval);
        assert.equal(decision.reviewTask?.spec.dueAt, row.reviewTaskDueAt);
        assert.equal(decision.requeueAfterMs, row.requeueAfterMs);
        const message = findCondition(conditions, "Approved")?.message ?? "";
        for (const text of row.says ?? [])
          assert.ok(message.includes(text), `"${message}" should contain "${text}"`);
        row.check?.(decision);

        const opened = decision.openApproval;
        const again = decideChangeRequest(
          {
            ...input,
            status: decision.status,
            approval:
              opened === undefined
                ? input.approval
                : {
                    name: opened.name,
                    metadata: { name: opened.name, namespace: "team" },
                    spec: approvalSpec({ ...opened.spec }),
                    status: undefined,
                  },
            reviewTask:
              decision.reviewTask === undefined
                ? input.reviewTask
                : { dueAt: decision.reviewTask.spec.dueAt },
          },
          now,
        );
        assert.deepEqual(again.status, decision.status, "a second pass changes nothing");
        assert.deepEqual(again.audit, [], "a second pass audits nothing");
        assert.deepEqual(again.events, [], "a second pass announces nothing");
        assert.equal(again.openApproval, undefined);
        assert.equal(again.reviewTask, undefined);
      });
    }
  });
}
