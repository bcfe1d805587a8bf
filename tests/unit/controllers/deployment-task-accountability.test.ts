import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  assessAccountability,
  withAccountability,
  type AccountabilityInput,
} from "../../../src/controllers/deployment-task/accountability.js";
import { decideTask } from "../../../src/controllers/deployment-task/decide.js";
import { findCondition } from "../../../src/runtime/conditions.js";
import { at, spec, taskInput } from "./deployment-task-fixtures.js";

const owner = { kind: "User" as const, name: "olga" };

interface Row {
  situation: string;
  input: AccountabilityInput;
  expected: [status: "True" | "False", reason: string];
  says?: string[];
}

const rows: Row[] = [
  {
    situation: "owned, for a release that exists",
    input: {
      namespace: "shop",
      spec: spec({ owners: [owner], releaseRef: { name: "shop-1" } }),
      releaseExists: true,
    },
    expected: ["True", "OwnersAssigned"],
    says: ["User olga", "Release shop-1"],
  },
  {
    situation: "owned, for no release",
    input: { namespace: "shop", spec: spec({ owners: [owner] }), releaseExists: undefined },
    expected: ["True", "OwnersAssigned"],
  },
  {
    situation: "owned, for a release that does not exist",
    input: {
      namespace: "shop",
      spec: spec({ owners: [owner], releaseRef: { name: "ghost" } }),
      releaseExists: false,
    },
    expected: ["False", "ReleaseNotFound"],
    says: ["spec.releaseRef.name", "Release ghost", "namespace shop", "create the Release"],
  },
  {
    situation: "no owners",
    input: { namespace: "shop", spec: spec({ releaseRef: { name: "shop-1" } }), releaseExists: true },
    expected: ["False", "NoOwners"],
    says: ["spec.owners is empty", "add at least one User or Group"],
  },
  {
    situation: "no owners and no release: the missing release is named first",
    input: { namespace: "shop", spec: spec({ releaseRef: { name: "ghost" } }), releaseExists: false },
    expected: ["False", "ReleaseNotFound"],
  },
];

describe("assessAccountability", () => {
  for (const row of rows) {
    it(`${row.situation}: ${row.expected.join(" ")}`, () => {
      const verdict = assessAccountability(row.input);
      assert.deepEqual([verdict.status, verdict.reason], row.expected);
      for (const words of row.says ?? []) assert.ok(verdict.message.includes(words), verdict.message);
    });
  }
});

describe("withAccountability", () => {
  const noOwners = assessAccountability({ namespace: "shop", spec: spec(), releaseExists: undefined });
  const owned = assessAccountability({
    namespace: "shop",
    spec: spec({ owners: [owner] }),
    releaseExists: undefined,
  });

  it("adds the condition and warns once when a task turns unaccountable", () => {
    const first = withAccountability(decideTask(taskInput({}), at(0)), noOwners, 1, at(0));
    assert.equal(findCondition(first.status.conditions, "Accountable")?.reason, "NoOwners");
    assert.deepEqual(
      first.events.map((e) => [e.type, e.reason]),
      [["Warning", "NoOwners"]],
    );
    const again = withAccountability(
      decideTask(taskInput({ status: first.status }), at(1000)),
      noOwners,
      1,
      at(1000),
    );
    assert.deepEqual(again.events, []);
    const fixed = withAccountability(
      decideTask(taskInput({ status: again.status }), at(2000)),
      owned,
      2,
      at(2000),
    );
    assert.equal(findCondition(fixed.status.conditions, "Accountable")?.status, "True");
    assert.deepEqual(fixed.events, []);
  });

  it("leaves the phase to the rest of the decision", () => {
    const decision = decideTask(taskInput({}), at(0));
    assert.equal(withAccountability(decision, noOwners, 1, at(0)).status.phase, decision.status.phase);
  });
});
