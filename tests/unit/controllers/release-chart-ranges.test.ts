// The Release decision with a chart version range on prod's HelmRelease target: held with the resolution's reason
// while it is not resolved (and refused where the Environment does not resolve ranges), asked for approval of the
// exact version once it is, with the resolution recorded in status.charts and audited once.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EnvironmentSpec } from "../../../src/api/v1alpha1/environment.js";
import { ReleaseSpec, type ReleaseStatus } from "../../../src/api/v1alpha1/release.js";
import type { ResolvedChart } from "../../../src/api/v1alpha1/resolved-chart.js";
import { pinnedSpec } from "../../../src/api/v1alpha1/resolved-source.js";
import { decideRelease, type ReleaseDecisionInput } from "../../../src/controllers/release/decide.js";
import type { ChartResolution } from "../../../src/controllers/release/resolve-charts.js";

const NOW = new Date("2030-01-01T00:00:00Z");
const COMMIT = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const OWNS = { fluxHelmReleases: { namespaces: ["shop"] } };

const declared = ReleaseSpec.parse({
  version: "1.4.0",
  source: { repoURL: "https://git.example.com/shop.git", revision: COMMIT },
  pipeline: ["dev", "prod"],
  targets: [
    {
      environment: "dev",
      flux: { kind: "HelmRelease", name: "shop-dev", namespace: "shop", chartVersion: "1.4.0" },
    },
    {
      environment: "prod",
      flux: { kind: "HelmRelease", name: "shop-prod", namespace: "shop", chartVersion: "1.4.x" },
    },
  ],
  owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "dave" } },
});

const resolved: ResolvedChart = {
  environment: "prod",
  helmRelease: "shop/shop-prod",
  repositoryURL: "https://charts.example.com/",
  chart: "shop",
  range: "1.4.x",
  version: "1.4.2",
  digest: "b".repeat(64),
  resolvedAt: "2029-12-31T00:00:00Z",
};

const devVerified = {
  name: "dev",
  state: "Verified" as const,
  revision: "1.4.0",
  artifact: COMMIT,
  promotions: 1,
  verifiedAt: "2029-12-31T00:00:00Z",
};

function input(
  mutableRevisions: "Refuse" | "Resolve",
  charts: ChartResolution,
  status: ReleaseStatus = { environments: [devVerified] },
): ReleaseDecisionInput {
  return {
    release: {
      metadata: {
        name: "ship",
        namespace: "shop",
        uid: "0f6c1a52-7d1e-4f0b-9a51-2c3d4e5f6a7b",
        generation: 1,
      },
      spec: pinnedSpec(declared, undefined, charts.resolved),
      declared,
      status,
    },
    charts,
    environments: [
      { name: "dev", spec: EnvironmentSpec.parse({ delivery: OWNS }), tasks: [], delivery: undefined },
      {
        name: "prod",
        spec: EnvironmentSpec.parse({
          delivery: OWNS,
          promotesFrom: ["dev"],
          gate: { requiredApprovals: 1, approvers: { users: ["erin"] }, mutableRevisions },
        }),
        tasks: [],
      },
    ],
  };
}

const prodEntry = (status: ReleaseStatus) => status.environments?.find((e) => e.name === "prod");

describe("release decision with a chart version range", () => {
  it("holds prod with the resolution's reason, opening no change, while the range is not resolved", () => {
    const problem = "the operator may not read chart repository https://evil.example/ ...: add its prefix";
    const decision = decideRelease(input("Resolve", { resolved: [], problems: { prod: problem } }), NOW);
    const prod = prodEntry(decision.status);
    assert.equal(prod?.state, "Gated");
    assert.ok(
      prod?.reasons?.includes(`The revision cannot be approved: ${problem}.`),
      JSON.stringify(prod?.reasons),
    );
    assert.equal(decision.status.charts, undefined);
    assert.deepEqual(
      decision.actions.filter((a) => a.kind === "EnsureChangeRequest"),
      [],
      "no change is opened for a range",
    );
    assert.ok(
      decision.audit.some((e) => e.action === "GateRefused" && e.details.reason === "MutableRevision"),
    );
    const pending = decideRelease(input("Resolve", { resolved: [], problems: {} }), NOW);
    assert.match(
      prodEntry(pending.status)?.reasons?.join(" ") ?? "",
      /spec.targets\[prod\].flux.chartVersion "1.4.x" is not resolved to a chart version yet/,
    );
  });

  it("refuses the range where prod does not resolve ranges, naming the setting", () => {
    const decision = decideRelease(input("Refuse", { resolved: [], problems: {} }), NOW);
    assert.match(
      prodEntry(decision.status)?.reasons?.join(" ") ?? "",
      /chartVersion "1.4.x" is not an exact version.*gate.mutableRevisions: Resolve/,
    );
  });

  it("asks approval for the exact version once resolved, and records and audits the resolution once", () => {
    const decision = decideRelease(input("Resolve", { resolved: [resolved], problems: {} }), NOW);
    assert.equal(prodEntry(decision.status)?.state, "Gated");
    assert.deepEqual(decision.status.charts, [resolved]);
    const change = decision.actions.find((a) => a.kind === "EnsureChangeRequest");
    assert.equal(
      change?.kind === "EnsureChangeRequest" ? change.binding.target.revision : undefined,
      "1.4.2",
    );
    const audited = decision.audit.filter((e) => e.action === "RevisionResolved");
    assert.deepEqual(
      audited.map((e) => [e.details.environment, e.details.range, e.details.version, e.details.digest]),
      [["prod", "1.4.x", "1.4.2", "b".repeat(64)]],
    );
    const again = decideRelease(
      input("Resolve", { resolved: [resolved], problems: {} }, decision.status),
      NOW,
    );
    assert.deepEqual(
      again.audit.filter((e) => e.action === "RevisionResolved"),
      [],
      "a resolution already recorded is not audited again",
    );
  });
});
