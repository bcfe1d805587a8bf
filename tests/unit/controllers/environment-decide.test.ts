import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { EnvironmentStatus } from "../../../src/api/v1alpha1/environment.js";
import { decideEnvironment } from "../../../src/controllers/environment/decide.js";
import type { EnvironmentOrder } from "../../../src/controllers/environment/order.js";

const T0 = new Date("2030-01-01T00:00:00Z");
const T1 = new Date("2030-01-01T01:00:00Z");

const placed: EnvironmentOrder = {
  order: 2,
  path: ["dev", "test", "prod"],
  ready: { status: "True", reason: "OrderResolved", message: "The environment has order 2." },
};
const cycle: EnvironmentOrder = {
  ready: { status: "False", reason: "OrderCycle", message: "A cycle." },
};
const orphan: EnvironmentOrder = {
  ready: { status: "False", reason: "UnknownPredecessor", message: "Missing qa." },
};

/** The status an environment has after being decided with `placement` at T0. */
function storedAfter(placement: EnvironmentOrder): EnvironmentStatus {
  return decideEnvironment({ metadata: { name: "prod", generation: 1 } }, placement, T0).status;
}

interface Row {
  situation: string;
  stored: EnvironmentStatus | undefined;
  placement: EnvironmentOrder;
  expected: {
    order?: number;
    path?: string[];
    ready: [status: string, reason: string, lastTransition: Date];
  };
  events: [type: string, reason: string][];
}

const rows: Row[] = [
  {
    situation: "first reconcile of a placed environment",
    stored: undefined,
    placement: placed,
    expected: { order: 2, path: ["dev", "test", "prod"], ready: ["True", "OrderResolved", T1] },
    events: [],
  },
  {
    situation: "first reconcile of an environment on a cycle: a Warning event",
    stored: undefined,
    placement: cycle,
    expected: { ready: ["False", "OrderCycle", T1] },
    events: [["Warning", "OrderCycle"]],
  },
  {
    situation: "a placed environment falls onto a cycle: order and path cleared, time moves, Warning",
    stored: storedAfter(placed),
    placement: cycle,
    expected: { ready: ["False", "OrderCycle", T1] },
    events: [["Warning", "OrderCycle"]],
  },
  {
    situation: "still on the cycle: time kept, no new event",
    stored: storedAfter(cycle),
    placement: cycle,
    expected: { ready: ["False", "OrderCycle", T0] },
    events: [],
  },
  {
    situation: "not ready for a different reason: time kept (status did not flip), a new Warning",
    stored: storedAfter(cycle),
    placement: orphan,
    expected: { ready: ["False", "UnknownPredecessor", T0] },
    events: [["Warning", "UnknownPredecessor"]],
  },
  {
    situation: "repaired: ready again, time moves, no event",
    stored: storedAfter(cycle),
    placement: placed,
    expected: { order: 2, path: ["dev", "test", "prod"], ready: ["True", "OrderResolved", T1] },
    events: [],
  },
];

describe("decideEnvironment", () => {
  for (const row of rows) {
    it(row.situation, () => {
      const decision = decideEnvironment(
        { metadata: { name: "prod", generation: 3 }, status: row.stored },
        row.placement,
        T1,
      );
      const { status } = decision;
      assert.equal(status.observedGeneration, 3);
      assert.equal(status.order, row.expected.order);
      assert.deepEqual(status.path, row.expected.path);
      assert.equal(status.conditions?.length, 1);
      const [status_, reason, time] = row.expected.ready;
      assert.deepEqual(status.conditions?.[0], {
        type: "Ready",
        status: status_,
        observedGeneration: 3,
        lastTransitionTime: time.toISOString().replace(".000Z", "Z"),
        reason,
        message: row.placement.ready.message,
      });
      assert.deepEqual(
        decision.events.map((e) => [e.type, e.reason]),
        row.events,
      );
    });
  }
});
