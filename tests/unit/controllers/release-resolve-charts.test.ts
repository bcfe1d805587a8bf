// Which HelmRelease targets the operator resolves a chart version range for, and every reason it refuses to: each
// row a situation (the HelmRelease, its HelmRepository, the operator's allowed repositories, what the index read
// gives) and the outcome. The index reader here only counts its calls and answers from a parsed text; reading real
// repositories is tests/integration/charts/resolve-chart-range.test.ts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EnvironmentSpec } from "../../../src/api/v1alpha1/environment.js";
import { ReleaseSpec } from "../../../src/api/v1alpha1/release.js";
import type { ResolvedChart } from "../../../src/api/v1alpha1/resolved-chart.js";
import { ChartIndexError, parseChartIndex } from "../../../src/charts/chart-index.js";
import { parseAuthorPolicy } from "../../../src/commits/author-policy.js";
import { resolveCharts, type ResolveChartsDeps } from "../../../src/controllers/release/resolve-charts.js";
import { ObjectStore } from "../../../src/runtime/informer/store.js";
import { isPrintableText } from "../../../src/runtime/printable-text.js";

const URL = "https://charts.example.com/stable/";
const INDEX =
  "apiVersion: v1\nentries:\n  shop:\n    - { version: 1.4.0 }\n    - { version: 1.4.3 }\n    - { version: 1.5.0 }\n";

interface Situation {
  chartRef?: Record<string, unknown>;
  chart?: string;
  repository?: Record<string, unknown> | "missing";
  allowed?: string;
  mutableRevisions?: "Refuse" | "Resolve";
  gated?: boolean;
  index?: () => string;
}

function world(s: Situation): { deps: ResolveChartsDeps; reads: () => number } {
  const environments = new ObjectStore();
  environments.upsert({
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Environment",
    metadata: { name: "prod" },
    spec: EnvironmentSpec.parse({
      gate:
        s.gated === false
          ? {}
          : {
              requiredApprovals: 1,
              approvers: { users: ["erin"] },
              mutableRevisions: s.mutableRevisions ?? "Resolve",
            },
    }),
  });
  const helmReleases = new ObjectStore();
  helmReleases.upsert({
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: { name: "shop", namespace: "shop" },
    spec: {
      chart: {
        spec: {
          chart: s.chart ?? "shop",
          sourceRef: s.chartRef ?? { kind: "HelmRepository", name: "charts" },
        },
      },
    },
  });
  let count = 0;
  const repository = s.repository ?? { spec: { url: URL } };
  return {
    deps: {
      environments,
      helmReleases,
      helmRepository: (namespace, name) =>
        Promise.resolve(
          repository === "missing" || namespace !== "shop" || name !== "charts"
            ? undefined
            : { metadata: { name, namespace }, ...repository },
        ),
      access: parseAuthorPolicy(
        `readFromGit: false\nallowedRepositories: ["${s.allowed ?? URL}"]\n`,
        "policy",
      ),
      readIndex: () => {
        count += 1;
        return Promise.resolve(parseChartIndex((s.index ?? (() => INDEX))(), URL));
      },
      now: () => new Date("2030-01-01T00:00:00Z"),
    },
    reads: () => count,
  };
}

const release = (chartVersion: string, name = "shop"): ReleaseSpec =>
  ReleaseSpec.parse({
    version: "1.4.0",
    source: { repoURL: "https://git.example.com/shop.git", revision: "a".repeat(40) },
    pipeline: ["prod"],
    targets: [{ environment: "prod", flux: { kind: "HelmRelease", name, namespace: "shop", chartVersion } }],
    owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "dave" } },
  });

const refusals: { why: string; situation: Situation; range?: string; target?: string; expect: RegExp }[] = [
  {
    why: "the HelmRelease does not exist",
    situation: {},
    target: "other",
    expect:
      /HelmRelease shop\/other does not exist, so "1.4.x" cannot be resolved: create it, or correct spec.targets\[prod\]/,
  },
  {
    why: "the chart comes from a GitRepository",
    situation: { chartRef: { kind: "GitRepository", name: "charts" } },
    expect:
      /does not take its chart from a HelmRepository .*: pin an exact chart version in spec.targets\[prod\].flux.chartVersion/,
  },
  {
    why: "the HelmRepository does not exist",
    situation: { repository: "missing" },
    expect: /HelmRepository shop\/charts, which HelmRelease shop\/shop takes its chart from, does not exist/,
  },
  {
    why: "the HelmRepository is an OCI registry",
    situation: { repository: { spec: { url: "oci://ghcr.io/acme", type: "oci" } } },
    expect:
      /HelmRepository shop\/charts is an OCI registry \(type: oci\), which has no index the operator reads/,
  },
  {
    why: "the URL is outside allowedRepositories",
    situation: { repository: { spec: { url: "https://charts.example.com/stable/../mine/" } } },
    expect:
      /the operator may not read chart repository .*\.\.\/mine\/ \(HelmRepository shop\/charts, spec.url\).*add its prefix to allowedRepositories/,
  },
  {
    why: "the URL is allowed but not http(s)",
    situation: {
      repository: { spec: { url: "git://charts.example.com/stable/" } },
      allowed: "git://charts.example.com/",
    },
    expect: /may not read chart repository git:\/\/.*\(http or https only\)/,
  },
  {
    why: "no version is within the range",
    situation: {},
    range: "2.x",
    expect:
      /could not resolve chart shop "2.x" from .*no version of chart shop .* satisfies "2.x".*fix spec.targets\[prod\].flux.chartVersion or HelmRepository shop\/charts/,
  },
  {
    why: "the index read fails with a hostile, multi-line message",
    situation: {
      index: () => {
        throw new ChartIndexError(`bad\n\u001b[2J\u001b[31mforged line ${"x".repeat(2000)}`);
      },
    },
    expect: /^could not resolve chart shop "1.4.x" from .* \(bad \[?forged line x+…$/,
  },
  {
    why: "the chart name is too long to record",
    situation: {
      chart: "s".repeat(300),
      index: () => `apiVersion: v1\nentries:\n  ${"s".repeat(300)}:\n    - { version: 1.4.0 }\n`,
    },
    expect: /too long or not printable to record/,
  },
];

describe("resolving HelmRelease chart version ranges", () => {
  it("resolves the highest version within the range, once, where the gated environment resolves", async () => {
    const { deps, reads } = world({});
    const first = await resolveCharts(deps, release("1.4.x"), undefined);
    assert.deepEqual(first, {
      problems: {},
      resolved: [
        {
          environment: "prod",
          helmRelease: "shop/shop",
          repositoryURL: URL,
          chart: "shop",
          range: "1.4.x",
          version: "1.4.3",
          resolvedAt: "2030-01-01T00:00:00Z",
        } satisfies ResolvedChart,
      ],
    });
    const kept = await resolveCharts(deps, release("1.4.x"), first.resolved);
    assert.deepEqual(kept, first);
    assert.equal(reads(), 1, "a recorded resolution is kept without reading the repository again");
    assert.equal((await resolveCharts(deps, release("^1.4"), first.resolved)).resolved[0]?.version, "1.5.0");
  });

  for (const [why, situation] of [
    ["the environment refuses mutable revisions", { mutableRevisions: "Refuse" }],
    ["the environment is not gated", { gated: false }],
  ] as const) {
    it(`resolves nothing and reads nothing where ${why}`, async () => {
      const { deps, reads } = world(situation);
      assert.deepEqual(await resolveCharts(deps, release("1.4.x"), undefined), {
        resolved: [],
        problems: {},
      });
      assert.equal(reads(), 0);
    });
  }

  for (const row of refusals) {
    it(`reports why, naming the fix, when ${row.why}`, async () => {
      const { deps, reads } = world(row.situation);
      const result = await resolveCharts(deps, release(row.range ?? "1.4.x", row.target), undefined);
      assert.deepEqual(result.resolved, []);
      const problem = result.problems.prod ?? "";
      assert.match(problem, row.expect);
      assert.ok(
        problem.length <= 1_000 && isPrintableText(problem) && !problem.includes("\n"),
        "one printable line",
      );
      if (/OCI|outside|not http|does not/.test(row.why)) assert.equal(reads(), 0, "nothing was fetched");
    });
  }
});
