import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cycleThrough, findCycles, formatCycle } from "../../../src/controllers/deployment-task/cycles.js";

/** A graph from "name: dep dep" lines, in the order written. */
function graph(...lines: string[]): Map<string, string[]> {
  return new Map(
    lines.map((line) => {
      const [name = "", deps = ""] = line.split(":");
      return [name.trim(), deps.split(" ").filter((d) => d !== "")];
    }),
  );
}

describe("findCycles", () => {
  const rows: [situation: string, input: Map<string, string[]>, cycles: string[][]][] = [
    ["no edges", graph("a:", "b:"), []],
    ["a chain is no cycle", graph("a: b", "b: c", "c:"), []],
    ["a diamond is no cycle", graph("a: b c", "b: d", "c: d", "d:"), []],
    ["a self-loop is a cycle of one", graph("a: a", "b: a"), [["a"]]],
    ["a cycle of two", graph("a: b", "b: a"), [["a", "b"]]],
    [
      "a cycle of three, in edge order, rotated to its smallest name",
      graph("c: a", "a: b", "b: c"),
      [["a", "b", "c"]],
    ],
    [
      "edge order is kept when it runs against the alphabet",
      graph("a: c", "c: b", "b: a"),
      [["a", "c", "b"]],
    ],
    [
      "a task depending on a cycle and an unrelated task are not on it",
      graph("x: y", "y: z", "z: x", "downstream: x", "free:"),
      [["x", "y", "z"]],
    ],
    [
      "two separate cycles, sorted",
      graph("q: p", "p: q", "b: a", "a: b"),
      [
        ["a", "b"],
        ["p", "q"],
      ],
    ],
    [
      "one component with two cycles through a shared node: every node is on a returned cycle",
      graph("a: b", "b: a c", "c: b"),
      [
        ["a", "b"],
        ["b", "c"],
      ],
    ],
    [
      "a node left out of an earlier cycle brings its own shortest one",
      graph("a: b c", "b: c", "c: a"),
      [
        ["a", "b", "c"],
        ["a", "c"],
      ],
    ],
    ["a dependency that does not exist is ignored", graph("a: ghost", "b: b ghost"), [["b"]]],
    ["duplicate edges count once", graph("a: b b", "b: a a"), [["a", "b"]]],
  ];
  for (const [situation, input, cycles] of rows) {
    it(situation, () => {
      assert.deepEqual(findCycles(input), cycles);
    });
  }

  it("gives the same answer whatever order the graph was built in", () => {
    const lines = ["a: b", "b: c a", "c: a", "d: d", "e: a"];
    const expected = findCycles(graph(...lines));
    assert.deepEqual(findCycles(graph(...[...lines].reverse())), expected);
    assert.deepEqual(expected, [["a", "b"], ["a", "b", "c"], ["d"]]);
  });

  it("walks a chain of 20000 tasks without overflowing the stack", () => {
    const chain = new Map<string, string[]>();
    for (let i = 0; i < 20_000; i++) chain.set(`t${i}`, i === 0 ? [] : [`t${i - 1}`]);
    assert.deepEqual(findCycles(chain), []);
    chain.set("t0", ["t19999"]);
    const cycles = findCycles(chain);
    assert.equal(cycles.length, 1);
    assert.equal(cycles[0]?.length, 20_000);
  });
});

describe("cycleThrough and formatCycle", () => {
  const cycles = [["a", "b"], ["a", "b", "c"], ["d"]];
  const rows: [name: string, cycle: string[] | undefined, text: string][] = [
    ["a", ["a", "b"], "a -> b -> a"],
    ["b", ["b", "a"], "b -> a -> b"],
    ["c", ["c", "a", "b"], "c -> a -> b -> c"],
    ["d", ["d"], "d -> d"],
    ["e", undefined, ""],
  ];
  for (const [name, cycle, text] of rows) {
    it(`spells the shortest cycle through ${name} from its own point of view`, () => {
      const found = cycleThrough(cycles, name);
      assert.deepEqual(found, cycle);
      assert.equal(formatCycle(found ?? []), text);
    });
  }
});
