import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  decideLeaseAction,
  type LeaseDecisionInput,
} from "../../../src/runtime/leader-election/lease-decision.js";
import type { LeaseRecord } from "../../../src/runtime/leader-election/lease-store.js";

const NOW = new Date("2030-01-01T12:00:00Z");
const LONG_AGO = new Date("2000-01-01T00:00:00Z");
const FAR_FUTURE = new Date("2100-01-01T00:00:00Z");

function held(holder: string, renewTime: Date, extra: Partial<LeaseRecord> = {}): LeaseRecord {
  return {
    holderIdentity: holder,
    leaseDurationSeconds: 15,
    acquireTime: renewTime,
    renewTime,
    leaseTransitions: 3,
    ...extra,
  };
}

function input(
  observed: LeaseRecord | undefined,
  observedSinceMs: number,
  nowMs: number,
): LeaseDecisionInput {
  return {
    identity: "me",
    observed: observed && { record: observed, resourceVersion: "42" },
    observedSinceMs,
    nowMs,
    wallNow: NOW,
    leaseDurationSeconds: 15,
  };
}

describe("decideLeaseAction", () => {
  const cases: { name: string; input: LeaseDecisionInput; expect: string; transitions?: number }[] = [
    { name: "no lease: create it", input: input(undefined, 0, 0), expect: "create", transitions: 0 },
    {
      name: "other holder seen 14.999 s ago: wait",
      input: input(held("other", NOW), 0, 14_999),
      expect: "wait",
    },
    {
      name: "other holder unchanged for 15 s: take over",
      input: input(held("other", NOW), 0, 15_000),
      expect: "update",
      transitions: 4,
    },
    {
      name: "other's renewTime long ago but just seen: wait",
      input: input(held("other", LONG_AGO), 5000, 5001),
      expect: "wait",
    },
    {
      name: "other's renewTime in the future but stale locally: take over",
      input: input(held("other", FAR_FUTURE), 0, 15_000),
      expect: "update",
      transitions: 4,
    },
    {
      name: "other's short lease (1 s) unchanged for 1 s: take over",
      input: input(held("other", NOW, { leaseDurationSeconds: 1 }), 0, 1000),
      expect: "update",
      transitions: 4,
    },
    {
      name: "released (empty holder): take over at once",
      input: input(held("", NOW), 0, 0),
      expect: "update",
      transitions: 4,
    },
    {
      name: "held by me: renew, keeping acquireTime and transitions",
      input: input(held("me", LONG_AGO), 0, 0),
      expect: "update",
      transitions: 3,
    },
  ];
  for (const row of cases) {
    it(row.name, () => {
      const decision = decideLeaseAction(row.input);
      assert.equal(decision.kind, row.expect);
      if (decision.kind === "wait") return;
      assert.equal(decision.record.holderIdentity, "me");
      assert.equal(decision.record.renewTime, NOW);
      assert.equal(decision.record.leaseTransitions, row.transitions);
      if (decision.kind === "update") {
        assert.equal(decision.resourceVersion, "42", "a takeover is pinned to the observed version");
        const keptAcquire = row.input.observed?.record.holderIdentity === "me";
        assert.equal(decision.record.acquireTime, keptAcquire ? LONG_AGO : NOW);
      }
    });
  }
});
