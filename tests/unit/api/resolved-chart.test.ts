// The pure parts of resolving chart version ranges: which chart versions are exact and which are ranges, which a
// gated environment accepts with and without gate.mutableRevisions: Resolve (at admission and at the gate), and
// how a recorded resolution pins a HelmRelease target, and only the target and range it was made for.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EnvironmentSpec } from "../../../src/api/v1alpha1/environment.js";
import { mutableRevisionProblem } from "../../../src/api/v1alpha1/release-binding.js";
import { ReleaseSpec } from "../../../src/api/v1alpha1/release.js";
import {
  isChartVersionRange,
  isExactChartVersion,
  resolvableChartRange,
  type ResolvedChart,
} from "../../../src/api/v1alpha1/resolved-chart.js";
import { pinnedSpec } from "../../../src/api/v1alpha1/resolved-source.js";
import { judgeRelease } from "../../../src/webhooks/release-rules.js";

const COMMIT = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";

function spec(chartVersion: string | undefined, name = "shop-prod"): ReleaseSpec {
  return ReleaseSpec.parse({
    version: "1.0.0",
    source: { repoURL: "https://git.example.com/shop.git", revision: COMMIT },
    pipeline: ["dev", "prod"],
    targets: [
      {
        environment: "dev",
        flux: { kind: "HelmRelease", name: "shop-dev", namespace: "shop", chartVersion },
      },
      { environment: "prod", flux: { kind: "HelmRelease", name, namespace: "shop", chartVersion } },
    ],
    owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "dave" } },
  });
}

const gated = (mutableRevisions: "Refuse" | "Resolve"): EnvironmentSpec =>
  EnvironmentSpec.parse({
    delivery: { fluxHelmReleases: { namespaces: ["shop"] } },
    gate: { requiredApprovals: 1, approvers: { users: ["erin"] }, mutableRevisions },
  });

const resolved: ResolvedChart = {
  environment: "prod",
  helmRelease: "shop/shop-prod",
  repositoryURL: "https://charts.example.com/",
  chart: "shop",
  range: "1.4.x",
  version: "1.4.2",
  digest: "a".repeat(64),
  resolvedAt: "2030-01-01T00:00:00Z",
};

const prodTarget = (s: ReleaseSpec) => {
  const target = s.targets[1];
  assert.ok(target !== undefined);
  return target;
};

describe("resolving chart version ranges", () => {
  const versions: { version: string; exact: boolean; range: boolean }[] = [
    { version: "1.4.2", exact: true, range: false },
    { version: "v1.4.2", exact: true, range: false },
    { version: "1.4.2-rc.1+build.7", exact: true, range: false },
    { version: "1.4.x", exact: false, range: true },
    { version: "^1.4", exact: false, range: true },
    { version: "~1.4.0", exact: false, range: true },
    { version: ">=1.4.0 <2.0.0", exact: false, range: true },
    { version: "1.4.0 - 1.5", exact: false, range: true },
    { version: "latest", exact: false, range: false },
    { version: "1.4.2; rm -rf", exact: false, range: false },
  ];
  for (const row of versions) {
    it(`tells ${JSON.stringify(row.version)}: exact ${row.exact}, a range ${row.range}`, () => {
      assert.equal(isExactChartVersion(row.version), row.exact);
      assert.equal(isChartVersionRange(row.version), row.range);
    });
  }

  it("lets only an environment that resolves ask for a range to be resolved, and only of a HelmRelease", () => {
    assert.equal(resolvableChartRange(gated("Resolve"), prodTarget(spec("1.4.x"))), "1.4.x");
    assert.equal(resolvableChartRange(gated("Refuse"), prodTarget(spec("1.4.x"))), undefined);
    assert.equal(resolvableChartRange(gated("Resolve"), prodTarget(spec("1.4.2"))), undefined);
    assert.equal(resolvableChartRange(gated("Resolve"), prodTarget(spec("latest"))), undefined);
    assert.equal(resolvableChartRange(gated("Resolve"), prodTarget(spec(undefined))), undefined);
  });

  const problems: { why: string; chartVersion: string | undefined; chartRanges: boolean; expect?: RegExp }[] =
    [
      { why: "an exact version, refusing", chartVersion: "1.4.2", chartRanges: false },
      { why: "an exact version, resolving", chartVersion: "1.4.2", chartRanges: true },
      { why: "a range, resolving", chartVersion: ">=1.4.0 <2.0.0", chartRanges: true },
      {
        why: "a range, refusing",
        chartVersion: "1.4.x",
        chartRanges: false,
        expect:
          /spec.targets\[prod\].flux.chartVersion "1.4.x" is not an exact version;.*pin an exact chart version such as 1.4.2 \(or let the Environment resolve chart version ranges: gate.mutableRevisions: Resolve\)/,
      },
      {
        why: "no range at all, resolving",
        chartVersion: "latest",
        chartRanges: true,
        expect:
          /flux.chartVersion "latest" is not an exact version nor a semver range;.*or write a semver range such as 1.4.x/,
      },
      {
        why: "no version, resolving",
        chartVersion: undefined,
        chartRanges: true,
        expect: /flux.chartVersion is not set;.*pin an exact chart version/,
      },
    ];
  for (const row of problems) {
    it(`judges ${row.why}: ${row.expect === undefined ? "accepted" : "refused, naming the fix"}`, () => {
      const s = spec(row.chartVersion);
      const problem = mutableRevisionProblem(prodTarget(s), s, { chartRanges: row.chartRanges });
      if (row.expect === undefined) assert.equal(problem, undefined);
      else assert.match(problem ?? "", row.expect);
    });
  }

  it("admits a range where the gated environment resolves, and denies it where it refuses", () => {
    const world = (prod: EnvironmentSpec) => ({
      environments: new Map([
        ["dev", EnvironmentSpec.parse({ delivery: { fluxHelmReleases: { namespaces: ["shop"] } } })],
        ["prod", { ...prod, promotesFrom: ["dev"] }],
      ]),
      targetLabels: new Map(),
    });
    assert.equal(judgeRelease(spec("1.4.x"), world(gated("Resolve"))).allowed, true);
    const denied = judgeRelease(spec("1.4.x"), world(gated("Refuse")));
    assert.ok(!denied.allowed);
    assert.equal(denied.rule, "MutableRevision");
    assert.match(denied.message, /chartVersion "1.4.x" is not an exact version/);
    assert.equal(judgeRelease(spec("latest"), world(gated("Resolve"))).allowed, false);
  });

  it("pins the resolved version on its target only, for the range it was resolved from", () => {
    const pinned = pinnedSpec(spec("1.4.x"), undefined, [resolved]);
    assert.equal(pinned.targets[1]?.flux?.chartVersion, "1.4.2");
    assert.equal(pinned.targets[0]?.flux?.chartVersion, "1.4.x", "dev's target is another target");
    assert.equal(pinned.source.revision, COMMIT);
    // Another range (an edit) or another HelmRelease is resolved anew: the recorded version does not apply.
    assert.equal(pinnedSpec(spec("^1.4"), undefined, [resolved]).targets[1]?.flux?.chartVersion, "^1.4");
    const moved = pinnedSpec(spec("1.4.x", "shop-canary"), undefined, [resolved]);
    assert.equal(moved.targets[1]?.flux?.chartVersion, "1.4.x");
    assert.equal(pinnedSpec(spec("1.4.x"), undefined, []).targets[1]?.flux?.chartVersion, "1.4.x");
  });
});
