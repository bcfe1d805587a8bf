import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Condition } from "../../../src/api/v1alpha1/condition.js";
import {
  findCondition,
  isTrue,
  removeCondition,
  setCondition,
  statusEqual,
  type ConditionUpdate,
} from "../../../src/runtime/conditions.js";

const T1 = "2030-01-01T00:00:00Z";
const NOW = new Date("2030-01-02T00:00:00Z");
const NOW_TEXT = "2030-01-02T00:00:00Z";

const ready: Condition = {
  type: "Ready",
  status: "True",
  observedGeneration: 1,
  lastTransitionTime: T1,
  reason: "OrderResolved",
  message: "Placed.",
};
const stalled: Condition = {
  type: "Stalled",
  status: "True",
  observedGeneration: 1,
  lastTransitionTime: T1,
  reason: "InvalidSpec",
  message: "Broken.",
};

interface Row {
  name: string;
  before: Condition[] | undefined;
  update: ConditionUpdate;
  after: Condition[];
}

const rows: Row[] = [
  {
    name: "a new type on an empty list is stamped with now",
    before: undefined,
    update: {
      type: "Ready",
      status: "True",
      reason: "OrderResolved",
      message: "Placed.",
      observedGeneration: 1,
    },
    after: [{ ...ready, lastTransitionTime: NOW_TEXT }],
  },
  {
    name: "a new type is appended after the existing ones",
    before: [ready],
    update: {
      type: "Stalled",
      status: "True",
      reason: "InvalidSpec",
      message: "Broken.",
      observedGeneration: 1,
    },
    after: [ready, { ...stalled, lastTransitionTime: NOW_TEXT }],
  },
  {
    name: "same status keeps lastTransitionTime and updates reason, message and generation in place",
    before: [ready, stalled],
    update: {
      type: "Ready",
      status: "True",
      reason: "Renamed",
      message: "Still placed.",
      observedGeneration: 2,
    },
    after: [{ ...ready, reason: "Renamed", message: "Still placed.", observedGeneration: 2 }, stalled],
  },
  {
    name: "a status flip moves lastTransitionTime to now and keeps the position",
    before: [ready, stalled],
    update: {
      type: "Ready",
      status: "False",
      reason: "OrderCycle",
      message: "Cycle.",
      observedGeneration: 2,
    },
    after: [
      {
        type: "Ready",
        status: "False",
        observedGeneration: 2,
        lastTransitionTime: NOW_TEXT,
        reason: "OrderCycle",
        message: "Cycle.",
      },
      stalled,
    ],
  },
  {
    name: "True to Unknown is a transition too",
    before: [stalled],
    update: {
      type: "Stalled",
      status: "Unknown",
      reason: "InvalidSpec",
      message: "Broken.",
      observedGeneration: 1,
    },
    after: [{ ...stalled, status: "Unknown", lastTransitionTime: NOW_TEXT }],
  },
  {
    name: "an update without observedGeneration drops the field",
    before: [ready],
    update: { type: "Ready", status: "True", reason: "OrderResolved", message: "Placed." },
    after: [
      { type: "Ready", status: "True", lastTransitionTime: T1, reason: "OrderResolved", message: "Placed." },
    ],
  },
];

describe("setCondition", () => {
  for (const row of rows) {
    it(row.name, () => {
      const snapshot = structuredClone(row.before);
      const after = setCondition(row.before, row.update, NOW);
      assert.deepEqual(after, row.after);
      assert.deepEqual(row.before, snapshot, "the input list is not modified");
      assert.notEqual(after, row.before, "a new array is returned");
    });
  }
});

describe("removeCondition, findCondition, isTrue", () => {
  it("removes only the named type and returns a new list", () => {
    const list = [ready, stalled];
    assert.deepEqual(removeCondition(list, "Stalled"), [ready]);
    assert.deepEqual(removeCondition(list, "Missing"), [ready, stalled]);
    assert.deepEqual(removeCondition(undefined, "Ready"), []);
    assert.equal(list.length, 2);
  });

  const lookups: [
    what: string,
    list: Condition[] | undefined,
    type: string,
    found: boolean,
    isTrue: boolean,
  ][] = [
    ["present and True", [ready], "Ready", true, true],
    ["present and False", [{ ...ready, status: "False" }], "Ready", true, false],
    ["present and Unknown", [{ ...ready, status: "Unknown" }], "Ready", true, false],
    ["absent", [stalled], "Ready", false, false],
    ["no list", undefined, "Ready", false, false],
  ];
  for (const [what, list, type, found, truth] of lookups) {
    it(`reads a condition that is ${what}`, () => {
      assert.equal(findCondition(list, type) !== undefined, found);
      assert.equal(isTrue(list, type), truth);
    });
  }
});

describe("statusEqual", () => {
  const rows: [what: string, a: unknown, b: unknown, equal: boolean][] = [
    ["identical", { phase: "Ready", conditions: [ready] }, { phase: "Ready", conditions: [ready] }, true],
    ["key order differs", { a: 1, b: 2 }, { b: 2, a: 1 }, true],
    ["an undefined field equals an absent one", { a: 1, blockedBy: undefined }, { a: 1 }, true],
    ["a value differs", { phase: "Ready" }, { phase: "Blocked" }, false],
    [
      "a condition time differs",
      { conditions: [ready] },
      { conditions: [{ ...ready, lastTransitionTime: NOW_TEXT }] },
      false,
    ],
    ["array order matters", { blockedBy: ["a", "b"] }, { blockedBy: ["b", "a"] }, false],
    ["an extra field", { a: 1 }, { a: 1, b: 2 }, false],
    ["no status against a status", undefined, { a: 1 }, false],
    ["both absent", undefined, undefined, true],
  ];
  for (const [what, a, b, equal] of rows) {
    it(`${equal ? "equal" : "different"}: ${what}`, () => {
      assert.equal(statusEqual(a, b), equal);
      assert.equal(statusEqual(b, a), equal);
    });
  }
});
