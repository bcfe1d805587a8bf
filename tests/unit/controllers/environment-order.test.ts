import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decideEnvironmentOrder, type EnvironmentLink } from "../../../src/controllers/environment/order.js";

/** Environments from "name: predecessor predecessor" lines. */
function pipeline(...lines: string[]): EnvironmentLink[] {
  return lines.map((line) => {
    const [name = "", from = ""] = line.split(":");
    return { name: name.trim(), promotesFrom: from.split(" ").filter((p) => p !== "") };
  });
}

/** What one environment should come out as: placed at an order with a path, or not ready with a reason. */
type Placement = { order: number; path: string[] } | { reason: string; says: string };

interface Row {
  situation: string;
  environments: EnvironmentLink[];
  expected: Record<string, Placement>;
}

const rows: Row[] = [
  {
    situation: "a linear chain dev -> test -> staging -> prod is ordered 0..3",
    environments: pipeline("prod: staging", "staging: test", "test: dev", "dev:"),
    expected: {
      dev: { order: 0, path: ["dev"] },
      test: { order: 1, path: ["dev", "test"] },
      staging: { order: 2, path: ["dev", "test", "staging"] },
      prod: { order: 3, path: ["dev", "test", "staging", "prod"] },
    },
  },
  {
    situation: "a diamond takes the longest chain, ties going to the name that sorts first",
    environments: pipeline("dev:", "qa: dev", "perf: dev", "prod: qa perf"),
    expected: {
      dev: { order: 0, path: ["dev"] },
      qa: { order: 1, path: ["dev", "qa"] },
      perf: { order: 1, path: ["dev", "perf"] },
      prod: { order: 2, path: ["dev", "perf", "prod"] },
    },
  },
  {
    situation: "an uneven diamond takes the longer side",
    environments: pipeline("dev:", "test: dev", "staging: test", "prod: dev staging"),
    expected: { prod: { order: 3, path: ["dev", "test", "staging", "prod"] } },
  },
  {
    situation: "two independent pipelines both start at 0",
    environments: pipeline("a-dev:", "a-prod: a-dev", "b-dev:", "b-prod: b-dev"),
    expected: {
      "a-prod": { order: 1, path: ["a-dev", "a-prod"] },
      "b-prod": { order: 1, path: ["b-dev", "b-prod"] },
    },
  },
  {
    situation: "an unknown predecessor is named, and what follows is not ready either",
    environments: pipeline("dev:", "test: dev qa uat", "prod: test"),
    expected: {
      dev: { order: 0, path: ["dev"] },
      test: {
        reason: "UnknownPredecessor",
        says: "Environments qa, uat named in spec.promotesFrom do not exist; create them or remove them",
      },
      prod: { reason: "PredecessorInvalid", says: "Predecessor test (UnknownPredecessor) is not ready" },
    },
  },
  {
    situation: "a 2-cycle marks both, spelled from each one",
    environments: pipeline("dev:", "test: dev staging", "staging: test"),
    expected: {
      dev: { order: 0, path: ["dev"] },
      test: { reason: "OrderCycle", says: "a release would move test -> staging -> test" },
      staging: { reason: "OrderCycle", says: "a release would move staging -> test -> staging" },
    },
  },
  {
    situation: "a 3-cycle is spelled in the direction releases move",
    environments: pipeline("a: c", "b: a", "c: b"),
    expected: {
      a: { reason: "OrderCycle", says: "a -> b -> c -> a" },
      b: { reason: "OrderCycle", says: "b -> c -> a -> b" },
      c: { reason: "OrderCycle", says: "c -> a -> b -> c" },
    },
  },
  {
    situation: "downstream of a cycle is PredecessorInvalid, transitively; upstream is fine",
    environments: pipeline("dev:", "a: dev b", "b: a", "prod: a", "dr: prod"),
    expected: {
      dev: { order: 0, path: ["dev"] },
      prod: {
        reason: "PredecessorInvalid",
        says: "Predecessor a (OrderCycle) is not ready; fix it first.",
      },
      dr: { reason: "PredecessorInvalid", says: "Predecessor prod (PredecessorInvalid) is not ready" },
    },
  },
  {
    situation: "an environment promoting from itself (which the API also rejects)",
    environments: pipeline("prod: prod"),
    expected: { prod: { reason: "OrderCycle", says: "The environment promotes from itself" } },
  },
  {
    situation: "a cycle outranks an unknown predecessor on the same environment",
    environments: pipeline("a: b ghost", "b: a"),
    expected: { a: { reason: "OrderCycle", says: "a -> b -> a" } },
  },
];

describe("decideEnvironmentOrder", () => {
  for (const row of rows) {
    it(row.situation, () => {
      const result = decideEnvironmentOrder(row.environments);
      assert.deepEqual([...result.keys()].sort(), row.environments.map((e) => e.name).sort());
      for (const [name, expected] of Object.entries(row.expected)) {
        const placed = result.get(name);
        if ("order" in expected) {
          assert.deepEqual({ order: placed?.order, path: placed?.path }, expected, name);
          assert.deepEqual([placed?.ready.status, placed?.ready.reason], ["True", "OrderResolved"], name);
        } else {
          assert.deepEqual([placed?.ready.status, placed?.ready.reason], ["False", expected.reason], name);
          assert.equal(placed?.order, undefined, `${name} has no order`);
          assert.equal(placed?.path, undefined, `${name} has no path`);
          const message = placed?.ready.message ?? "";
          assert.ok(
            message.includes(expected.says),
            `${name}: "${message}" should contain "${expected.says}"`,
          );
        }
      }
    });
  }

  it("does not depend on the order the environments are listed in", () => {
    const environments = pipeline("dev:", "qa: dev", "perf: dev", "prod: qa perf", "x: y", "y: x");
    const forward = decideEnvironmentOrder(environments);
    const backward = decideEnvironmentOrder([...environments].reverse());
    for (const [name, placed] of forward) assert.deepEqual(backward.get(name), placed, name);
  });
});
