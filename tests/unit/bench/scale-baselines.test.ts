// The second baseline of `make bench-scale` (plain Release writes, fair to CRDs) and the API server's CPU per
// promotion in plain writes: the arithmetic that prints them, and the flags that ask for a kube-apiserver profile.
// A wrong divisor here would print a wrong ratio, so each is checked on numbers worked by hand.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { emptyCounts, totalWrites } from "../../../hack/bench/audit-counts.js";
import { BenchOptionsError } from "../../../hack/bench/bench-options.js";
import { parseScaleOptions } from "../../../hack/bench/scale-options.js";
import { formatApiserverCost, formatRaw, type RawBaseline } from "../../../hack/bench/scale-report.js";

const RAW: RawBaseline = {
  inFlight: 10,
  writesPerSecond: 800,
  createsPerSecond: 820,
  updatesPerSecond: 780,
  toWatch: [10, 20, 30],
  releaseCreatesPerSecond: 400,
  releaseStatusPatchesPerSecond: 300,
  apiserverCpuPerWrite: 0.002,
  apiserverCpuPerReleaseStatusPatch: 0.005,
  releaseStatusPutsPerSecond: 320,
  apiserverCpuPerReleaseStatusPut: 0.0045,
};

describe("the CRD baseline and the API server's CPU per promotion", () => {
  it("states a promotion's API server CPU in ConfigMap writes and in Release status patches", () => {
    // 100 promotions cost 5 s of kube-apiserver CPU: 50 ms each = 25 writes of 2 ms = 10 patches of 5 ms. The
    // operator wrote 500 objects and Events (and 40 Leases, left out): 5 a promotion, so the ceiling is 5/25 and 5/10.
    const operator = { ...emptyCounts(), objectWrites: 300, eventWrites: 200, leaseWrites: 40 };
    assert.equal(totalWrites(operator) - operator.leaseWrites, 500);
    assert.deepEqual(formatApiserverCost(5, { releases: 100, operator }, RAW).split("\n"), [
      "kube-apiserver CPU per promotion: 50.0 ms = 25.0 ConfigMap writes = 10.0 Release status patches of the baseline",
      "ceiling of the ratio while kube-apiserver is the bound: 0.200 against ConfigMap writes (goal 0.7), 0.500 " +
        "against Release status patches",
    ]);
  });

  it("prints both baselines and their CPU per write", () => {
    const text = formatRaw(RAW);
    assert.match(text, /Release status merge patches\/s \(the CRD baseline\)\s+300/);
    assert.match(text, /kube-apiserver CPU ms per ConfigMap write\s+2\.00/);
    assert.match(text, /kube-apiserver CPU ms per Release status patch\s+5\.00/);
    assert.match(text, /kube-apiserver CPU ms per Release status PUT\s+4\.50/);
  });
});

describe("the profile flags", () => {
  it("takes no profile unless asked, and 20 s when asked without a length", () => {
    const none = parseScaleOptions([]);
    assert.equal(none.apiserverProfile, "");
    assert.equal(none.profileSeconds, 20);
    const asked = parseScaleOptions(["--apiserver-profile=/tmp/a.pb.gz", "--profile-seconds=45"]);
    assert.equal(asked.apiserverProfile, "/tmp/a.pb.gz");
    assert.equal(asked.profileSeconds, 45);
  });

  it("refuses a profile length that is not a whole number of seconds, naming the flag", () => {
    assert.throws(
      () => parseScaleOptions(["--profile-seconds=0"]),
      (err: unknown) =>
        err instanceof BenchOptionsError && /--profile-seconds must be at least 1/.test(err.message),
    );
  });
});
