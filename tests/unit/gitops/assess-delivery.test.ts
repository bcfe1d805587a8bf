import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  assessDelivery,
  type DeliveryAssessment,
  type DeliveryExpectation,
  type DeliveryObservation,
} from "../../../src/gitops/delivery.js";

const SHA = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const OLD = "1111111111111111111111111111111111111111";
const NOW = new Date("2026-12-08T08:00:00Z");
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

const deployed: DeliveryObservation = {
  exists: true,
  revision: `main@sha1:${SHA}`,
  synced: true,
  healthy: true,
  degraded: false,
  progressing: false,
  message: "Ready True.",
  observedAt: NOW,
};

const rows: {
  situation: string;
  observation: Partial<DeliveryObservation>;
  expected?: Partial<DeliveryExpectation>;
  state: DeliveryAssessment["state"];
  reason: string;
}[] = [
  {
    situation: "at the revision, synced and healthy",
    observation: {},
    state: "Deployed",
    reason: "Deployed",
  },
  {
    situation: "abbreviated release revision",
    observation: {},
    expected: { revision: SHA.slice(0, 8) },
    state: "Deployed",
    reason: "Deployed",
  },
  {
    situation: "tag requested, SHA observed",
    observation: { revision: SHA, revisionRef: "v1.2.0" },
    expected: { revision: "v1.2.0" },
    state: "Deployed",
    reason: "Deployed",
  },
  {
    situation: "no revision expected",
    observation: {},
    expected: { revision: undefined },
    state: "Deployed",
    reason: "Deployed",
  },
  { situation: "object gone", observation: { exists: false }, state: "Missing", reason: "TargetNotFound" },
  {
    situation: "still on the old revision",
    observation: { revision: OLD },
    state: "Deploying",
    reason: "RevisionPending",
  },
  {
    situation: "sync running",
    observation: { progressing: true },
    state: "Deploying",
    reason: "Progressing",
  },
  { situation: "out of sync", observation: { synced: false }, state: "Deploying", reason: "OutOfSync" },
  {
    situation: "degraded within the deadline",
    observation: { healthy: false, degraded: true },
    expected: { promotedAt: minutesAgo(5) },
    state: "Deploying",
    reason: "Degraded",
  },
  {
    situation: "degraded past the deadline",
    observation: { healthy: false, degraded: true },
    expected: { promotedAt: minutesAgo(11) },
    state: "Failed",
    reason: "ProgressDeadlineExceeded",
  },
  {
    situation: "degraded past a custom deadline",
    observation: { healthy: false, degraded: true },
    expected: { promotedAt: minutesAgo(2), progressDeadlineMs: 60_000 },
    state: "Failed",
    reason: "ProgressDeadlineExceeded",
  },
  {
    situation: "degraded with no known promotion time",
    observation: { healthy: false, degraded: true },
    state: "Deploying",
    reason: "Degraded",
  },
  {
    situation: "unhealthy but not degraded (Unknown health)",
    observation: { healthy: false },
    state: "Deploying",
    reason: "Unhealthy",
  },
  {
    situation: "sync of this revision failed",
    observation: {
      revision: OLD,
      synced: false,
      failure: { revision: SHA, reason: "SyncFailed", message: "x" },
    },
    state: "Failed",
    reason: "SyncFailed",
  },
  {
    situation: "an old failure for another revision does not count",
    observation: { revision: OLD, failure: { revision: OLD, reason: "SyncFailed", message: "x" } },
    state: "Deploying",
    reason: "RevisionPending",
  },
  {
    situation: "stalled with no revision named",
    observation: { failure: { reason: "InstallFailed", message: "x" } },
    state: "Failed",
    reason: "InstallFailed",
  },
];

describe("assessDelivery", () => {
  for (const row of rows) {
    it(row.situation, () => {
      const result = assessDelivery({ ...deployed, ...row.observation }, { revision: SHA, ...row.expected });
      assert.deepEqual([result.state, result.reason], [row.state, row.reason]);
      assert.ok(result.message.length > 0);
    });
  }
});
