import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { SLOWEST_FIRST, inStartOrder } from "../../../hack/test-order.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

describe("the order make test starts its files in", () => {
  it("names only test files that exist, each once, none of them unit tests", () => {
    for (const file of SLOWEST_FIRST) {
      assert.ok(file.endsWith(".test.ts"), `${file} is not a test file`);
      assert.ok(existsSync(path.join(repo, file)), `${file} is gone: take it out of SLOWEST_FIRST`);
      assert.ok(!file.startsWith("tests/unit/"), `${file} is a unit test: they are the filler at the end`);
    }
    assert.equal(new Set(SLOWEST_FIRST).size, SLOWEST_FIRST.length);
  });

  it("starts the slowest files first, in their order, then the others, unit tests last", () => {
    const [slowest, second] = SLOWEST_FIRST;
    assert.ok(slowest !== undefined && second !== undefined);
    const given = [
      "tests/unit/a.test.ts",
      "tests/integration/b.test.ts",
      second,
      "tests/unit/c.test.ts",
      `./${slowest}`,
      "tests/install/d.test.ts",
    ];
    assert.deepEqual(inStartOrder(given), [
      `./${slowest}`,
      second,
      "tests/integration/b.test.ts",
      "tests/install/d.test.ts",
      "tests/unit/a.test.ts",
      "tests/unit/c.test.ts",
    ]);
  });
});
