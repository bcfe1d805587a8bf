import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClosableObject } from "../../../src/webhooks/admitted-objects.js";
import { retentionNotOver } from "../../../src/webhooks/retention.js";
import type { RuleName } from "../../../src/webhooks/verdict.js";
import { at, changeRequestObject, HOUR, NOW } from "./admission-fixtures.js";

const DAY = 24 * HOUR;

const rows: {
  situation: string;
  status?: Record<string, unknown>;
  expected: "allowed" | RuleName;
  says?: string;
}[] = [
  { situation: "an open change (no status)", expected: "allowed" },
  {
    situation: "an open change with a resolution but no closedAt",
    status: { resolution: "Deferred" },
    expected: "allowed",
  },
  {
    situation: "closed, retained for another day",
    status: { closedAt: at(-HOUR), retainUntil: at(DAY) },
    expected: "RetentionNotOver",
    says: "must be kept until 2030-01-02T12:00:00Z",
  },
  {
    situation: "closed, retention over an hour ago",
    status: { closedAt: at(-100 * DAY), retainUntil: at(-HOUR) },
    expected: "allowed",
  },
  {
    situation: "closed, retention ends right now",
    status: { closedAt: at(-DAY), retainUntil: at(0) },
    expected: "allowed",
  },
  {
    situation: "closed without retainUntil an hour ago: the default 2160h applies",
    status: { closedAt: at(-HOUR) },
    expected: "RetentionNotOver",
  },
  {
    situation: "closed without retainUntil 91 days ago",
    status: { closedAt: at(-91 * DAY) },
    expected: "allowed",
  },
];

describe("retentionNotOver", () => {
  for (const row of rows) {
    it(`${row.situation}: ${row.expected}`, () => {
      const object = ClosableObject.parse(changeRequestObject({}, row.status));
      const verdict = retentionNotOver({ kind: "ChangeRequest", object, now: NOW });
      assert.equal(verdict.allowed ? "allowed" : verdict.rule, row.expected);
      if (!verdict.allowed && row.says !== undefined)
        assert.ok(verdict.message.includes(row.says), verdict.message);
    });
  }
});
