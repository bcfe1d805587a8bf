import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NO_CONFLICT } from "../../../src/calendar/conflict-condition.js";
import { nextConflictCondition } from "../../../src/controllers/schedule/controller.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";

const conflict = {
  type: "ScheduleConflict",
  status: "True" as const,
  reason: "OverlappingChange",
  message: "ChangeRequest a/b overlaps.",
};
const withConditions = (conditions: unknown[]): KubeObject => ({
  metadata: { name: "x", namespace: "a" },
  status: { conditions },
});

describe("nextConflictCondition", () => {
  const rows: { name: string; obj: KubeObject; desired: typeof conflict | undefined; want: unknown }[] = [
    { name: "a new conflict: True", obj: withConditions([]), desired: conflict, want: conflict },
    {
      name: "no conflict, never had one: nothing (no write)",
      obj: withConditions([]),
      desired: undefined,
      want: undefined,
    },
    {
      name: "no conflict any more: False NoConflict",
      obj: withConditions([{ ...conflict, lastTransitionTime: "2026-12-06T00:00:00Z" }]),
      desired: undefined,
      want: NO_CONFLICT,
    },
    {
      name: "already False: stays False",
      obj: withConditions([{ ...NO_CONFLICT, lastTransitionTime: "2026-12-06T00:00:00Z" }]),
      desired: undefined,
      want: NO_CONFLICT,
    },
    {
      name: "an object without status",
      obj: { metadata: { name: "x", namespace: "a" } },
      desired: undefined,
      want: undefined,
    },
  ];
  for (const row of rows)
    it(row.name, () => assert.deepEqual(nextConflictCondition(row.obj, row.desired), row.want));
});
