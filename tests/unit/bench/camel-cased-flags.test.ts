import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BenchOptionsError, camelCasedFlags } from "../../../hack/bench/bench-options.js";

describe("A focused benchmark's --name=value flags", () => {
  it("keys each value by its camel-cased name, the last one winning", () => {
    assert.deepEqual(camelCasedFlags(["--in-flight=10", "--cpu-prof=/tmp/p", "--objects=5", "--objects=6"]), {
      inFlight: "10",
      cpuProf: "/tmp/p",
      objects: "6",
    });
    assert.deepEqual(camelCasedFlags(["--period-s="]), { periodS: "" });
  });

  it("refuses anything that is not --name=value, naming it", () => {
    for (const arg of ["--keep-logs", "objects=5", "-x=1"]) {
      assert.throws(
        () => camelCasedFlags([arg]),
        (err: unknown) => err instanceof BenchOptionsError && err.message.includes(arg),
        arg,
      );
    }
  });
});
