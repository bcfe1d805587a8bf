import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ReleaseEnvironmentStatus } from "../../../src/api/v1alpha1/release.js";
import type { ReleaseTarget } from "../../../src/api/v1alpha1/release-target.js";
import { deliveryRecheckMs, SOURCE_POLL_MS } from "../../../src/controllers/release/recheck.js";

const NOW = new Date("2030-01-01T00:10:00Z");
const MINUTE = 60_000;
const entry = (
  state: ReleaseEnvironmentStatus["state"],
  deployStartedAt?: string,
): ReleaseEnvironmentStatus => ({
  name: "prod",
  state,
  ...(deployStartedAt === undefined ? {} : { deployStartedAt }),
});
const argo: ReleaseTarget = {
  environment: "prod",
  argoCD: { name: "shop", namespace: "argocd", revision: "abc1234", mode: "Sync" },
};
const pinnedKustomization: ReleaseTarget = {
  environment: "prod",
  flux: { kind: "Kustomization", name: "shop", namespace: "flux-system", revision: "abc1234" },
};

describe("deliveryRecheckMs: a release in flight looks again only where no watch wakes it", () => {
  it("once, just after the progress deadline of its promotion passes", () => {
    assert.equal(
      deliveryRecheckMs([entry("Deploying", "2030-01-01T00:05:00Z")], [argo], NOW),
      5 * MINUTE + 1_000,
    );
  });

  it("never again on its own once the deadline has passed (the watched target's next change wakes it)", () => {
    assert.equal(deliveryRecheckMs([entry("Deploying", "2029-12-31T23:00:00Z")], [argo], NOW), undefined);
  });

  it("every 30 s for a Kustomization whose commit it pins: that GitRepository is read, not watched", () => {
    assert.equal(
      deliveryRecheckMs([entry("Deploying", "2029-12-31T23:00:00Z")], [pinnedKustomization], NOW),
      SOURCE_POLL_MS,
    );
    assert.equal(
      deliveryRecheckMs([entry("Deploying", "2030-01-01T00:09:50Z")], [pinnedKustomization], NOW),
      30_000,
    );
  });

  it("not at all when nothing is in flight", () => {
    for (const state of ["Pending", "Gated", "Deployed", "Verified", "Failed"] as const) {
      assert.equal(
        deliveryRecheckMs([entry(state, "2030-01-01T00:05:00Z")], [pinnedKustomization], NOW),
        undefined,
      );
    }
  });
});
