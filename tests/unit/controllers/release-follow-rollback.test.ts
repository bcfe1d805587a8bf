import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { followDelivery, type FollowInput } from "../../../src/controllers/release/follow-delivery.js";
import { FULL_REV, REV, storedEntry } from "./release-fixtures.js";

const base = (extra: Partial<FollowInput>): FollowInput => ({
  stored: storedEntry("prod", "Verified", {}, "2030-01-01T00:00:00Z"),
  revision: REV,
  target: "shop-prod",
  delivery: { state: "Deployed", revision: FULL_REV, message: "Synced and Healthy" },
  tasks: [],
  verificationRequired: false,
  ...extra,
});

describe("followDelivery after a deployment went bad", () => {
  it("holds a Verified environment as Failed once an alert opened a Rollback task for this deployment", () => {
    const followed = followDelivery(
      base({
        tasks: [
          {
            name: "shop-prod-rollback-0a1b2c3d4e5f6071-20300101010000",
            type: "Rollback",
            phase: "Ready",
            createdAt: "2030-01-01T01:00:00Z",
            alert: "HighErrorRate",
            opened: true,
          },
        ],
      }),
    );
    assert.equal(followed.state, "Failed");
    assert.deepEqual(followed.reasons, [
      "Rollback task shop-prod-rollback-0a1b2c3d4e5f6071-20300101010000 was opened after alert HighErrorRate " +
        "fired; the release is held here.",
    ]);
  });

  it("reads no Rollback task's phase: its first status or its end changes nothing (ADR 0059)", () => {
    const follow = (phase: FollowInput["tasks"][number]["phase"]) =>
      followDelivery(
        base({
          tasks: [
            { name: "r", type: "Rollback", phase, createdAt: "2030-01-01T01:00:00Z", opened: true },
            { name: "old", type: "Rollback", phase, createdAt: "2029-12-31T00:00:00Z", opened: true },
          ],
        }),
      );
    const first = follow(undefined);
    assert.equal(first.state, "Failed");
    for (const phase of ["Blocked", "Ready", "Succeeded", "Cancelled", "Failed"] as const) {
      assert.deepEqual(follow(phase), first, phase);
    }
  });

  it("counts a Rollback task created in the very second the deployment started (creation times have seconds)", () => {
    const followed = followDelivery(
      base({
        stored: storedEntry("prod", "Verified", { deployStartedAt: "2030-01-01T00:00:00.400Z" }),
        tasks: [
          {
            name: "quick-rollback",
            type: "Rollback",
            phase: "Ready",
            createdAt: "2030-01-01T00:00:00Z",
            opened: true,
          },
        ],
      }),
    );
    assert.equal(followed.state, "Failed");
  });

  it("ignores a Rollback task of an earlier deployment (created before this one started)", () => {
    const followed = followDelivery(
      base({
        tasks: [
          {
            name: "old-rollback",
            type: "Rollback",
            phase: "Succeeded",
            createdAt: "2029-12-31T00:00:00Z",
            opened: true,
          },
        ],
      }),
    );
    assert.equal(followed.state, "Verified");
  });

  it("never holds an environment for a Rollback task nobody proved (hand-made, unsealed)", () => {
    const followed = followDelivery(
      base({
        tasks: [
          {
            name: "shop-prod-rollback-by-hand",
            type: "Rollback",
            phase: "Ready",
            createdAt: "2030-01-01T01:00:00Z",
            alert: "HighErrorRate",
            opened: false,
          },
        ],
      }),
    );
    assert.equal(followed.state, "Verified");
  });

  it("fails a Deployed environment whose post-deploy verification failed", () => {
    const followed = followDelivery(
      base({
        stored: storedEntry("prod", "Deployed", {}, "2030-01-01T00:00:00Z"),
        verificationRequired: true,
        tasks: [
          { name: "shop-prod-post-deploy-verification", type: "PostDeployVerification", phase: "Failed" },
        ],
      }),
    );
    assert.equal(followed.state, "Failed");
    assert.deepEqual(followed.reasons, [
      "Post-deploy verification shop-prod-post-deploy-verification failed.",
    ]);
  });
});
