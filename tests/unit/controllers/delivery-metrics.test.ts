import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import type { ReleaseStatus } from "../../../src/api/v1alpha1/release.js";
import {
  MAX_TEAM_VALUES,
  registerDeliveryMetrics,
} from "../../../src/controllers/release/delivery-metrics.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";

const release = (team: string | undefined): KubeObject => ({
  apiVersion: "stagegate.io/v1alpha1",
  kind: "Release",
  metadata: {
    name: "shop",
    namespace: "shop",
    creationTimestamp: "2026-12-01T10:00:00Z",
    ...(team === undefined ? {} : { labels: { "stagegate.io/team": team } }),
  },
});

const status = {
  environments: [
    {
      name: "prod",
      state: "Verified",
      requestedAt: "2026-12-01T10:10:00Z",
      gateClearedAt: "2026-12-01T11:10:00Z",
      deployStartedAt: "2026-12-01T11:10:00Z",
      deployedAt: "2026-12-01T11:12:00Z",
      verifiedAt: "2026-12-01T11:20:00Z",
    },
  ],
} as unknown as ReleaseStatus;

const verified = [
  {
    actor: "stagegate-operator",
    action: "EnvironmentVerified" as const,
    object: { kind: "Release", namespace: "shop", name: "shop" },
    details: { environment: "prod" },
  },
];

async function value(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l))
    ?.value;
}

describe("delivery metrics", () => {
  it("counts a verified promotion and observes its gate, deploy and verify times and its lead time", async () => {
    const registry = new Registry();
    registerDeliveryMetrics(registry).observe(release("payments"), status, verified);
    const prod = { environment: "prod", team: "payments" };
    assert.equal(await value(registry, "stagegate_promotions_total", { ...prod, outcome: "verified" }), 1);
    assert.equal(
      await value(registry, "stagegate_promotion_phase_seconds", { ...prod, phase: "gate", le: "3600" }),
      1,
    );
    assert.equal(
      await value(registry, "stagegate_promotion_phase_seconds", { ...prod, phase: "verifying", le: "300" }),
      0,
      "8 minutes of verifying is over 300 s",
    );
    const exposition = await registry.metrics();
    const sum = /^stagegate_release_lead_time_seconds_sum\{[^}]*team="payments"[^}]*\} (\S+)$/m.exec(
      exposition,
    );
    assert.equal(Number(sum?.[1]), 80 * 60);
  });

  it("ignores entries that are not outcomes, and keeps at most the allowed number of team values", async () => {
    const registry = new Registry();
    const metrics = registerDeliveryMetrics(registry);
    metrics.observe(release("ignored"), status, [{ ...verified[0]!, action: "ReleasePromoted" }]);
    for (let i = 0; i < MAX_TEAM_VALUES + 5; i++) metrics.observe(release(`team-${i}`), status, verified);
    metrics.observe(release(undefined), status, verified);
    const counted = (await registry.getSingleMetric("stagegate_promotions_total")?.get())?.values ?? [];
    const teams = new Set(counted.map((v) => v.labels.team));
    assert.equal(teams.has("ignored"), false);
    assert.equal(teams.size, MAX_TEAM_VALUES + 2, "50 teams, other and the unlabelled");
    assert.equal(await value(registry, "stagegate_promotions_total", { team: "other" }), 5);
  });
  it("observes how long a gate waited on one category when its GateWaitChanged entry is written", async () => {
    const registry = new Registry();
    const metrics = registerDeliveryMetrics(registry);
    const change = (previous: Record<string, unknown> | undefined) => ({
      actor: "stagegate-operator",
      action: "GateWaitChanged" as const,
      object: { kind: "Release", namespace: "shop", name: "shop" },
      details: {
        environment: "prod",
        categories: ["approvals"],
        ...(previous === undefined ? {} : { previous }),
      },
    });
    metrics.observe(release("payments"), status, [
      // The first wait has nothing before it; a category outside the fixed set is never a label value.
      change(undefined),
      change({ category: "checks", waitedSeconds: 1800 }),
      change({ category: "someone's label", waitedSeconds: 60 }),
    ]);
    const labels = { environment: "prod", team: "payments" };
    assert.equal(
      await value(registry, "stagegate_gate_wait_seconds", { ...labels, category: "checks", le: "3600" }),
      1,
    );
    const exposition = await registry.metrics();
    const categories = [
      ...exposition.matchAll(/^stagegate_gate_wait_seconds_count\{[^}]*category="([^"]+)"/gm),
    ].map((m) => m[1]);
    assert.deepEqual(categories, ["checks"]);
  });
});
