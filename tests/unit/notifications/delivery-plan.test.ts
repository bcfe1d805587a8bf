import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NotificationDelivery } from "../../../src/api/v1alpha1/notification-route.js";
import {
  MAX_PENDING_DELIVERIES,
  planClaims,
  settleAttempts,
  type Candidate,
  type ClaimInput,
} from "../../../src/notifications/delivery-plan.js";

const candidate = (seq: number, recipients = ["channel"]): Candidate => ({
  seq,
  event: `hash-${seq}`,
  recipients,
});
const retry = (seq: number): NotificationDelivery => ({
  id: `retry-${seq}`,
  event: `hash-${seq}`,
  seq,
  recipient: "channel",
  attempts: 1,
  nextAttemptAt: "2026-12-06T10:00:00.000Z",
});
const input = (over: Partial<ClaimInput>): ClaimInput => ({
  routeUid: "uid-1",
  position: 10,
  through: 20,
  candidates: [],
  dueRetries: [],
  waitingRetries: 0,
  tokens: 10,
  bucketFull: true,
  ...over,
});

describe("planClaims", () => {
  const rows: [string, Partial<ClaimInput>, { claimed: string[]; position: number }][] = [
    ["nothing wanted: the position covers the page", {}, { claimed: [], position: 20 }],
    [
      "every candidate fits: claimed in order, position at the page's end",
      { candidates: [candidate(12), candidate(15)] },
      { claimed: ["12:channel", "15:channel"], position: 20 },
    ],
    [
      "the rate limit stops before the first event it cannot take, and the position stays just before it",
      { candidates: [candidate(12), candidate(15), candidate(18)], tokens: 2, bucketFull: false },
      { claimed: ["12:channel", "15:channel"], position: 17 },
    ],
    [
      "no tokens: nothing claimed, nothing skipped",
      { candidates: [candidate(12)], tokens: 0, bucketFull: false },
      { claimed: [], position: 11 },
    ],
    [
      "an event is taken whole: three addresses with two tokens wait",
      { candidates: [candidate(12, ["a", "b", "c"])], tokens: 2, bucketFull: false },
      { claimed: [], position: 11 },
    ],
    [
      "an event larger than the bucket goes into debt when the bucket is full",
      { candidates: [candidate(12, ["a", "b", "c"])], tokens: 2, bucketFull: true },
      { claimed: ["12:a", "12:b", "12:c"], position: 20 },
    ],
    [
      "due retries go first and take tokens",
      { candidates: [candidate(12)], dueRetries: [retry(5)], tokens: 1, bucketFull: false },
      { claimed: ["5:channel"], position: 11 },
    ],
    [
      "a full status holds new events back",
      { candidates: [candidate(12)], waitingRetries: MAX_PENDING_DELIVERIES },
      { claimed: [], position: 11 },
    ],
  ];
  for (const [name, over, expected] of rows) {
    it(name, () => {
      const plan = planClaims(input(over));
      assert.deepEqual(
        plan.claims.map((claim) => `${claim.seq}:${claim.recipient}`),
        expected.claimed,
      );
      assert.equal(plan.position, expected.position);
    });
  }

  it("names a delivery by the event, the route and the recipient, the same on every pass", () => {
    const a = planClaims(input({ candidates: [candidate(12, ["a", "b"])] })).claims;
    const b = planClaims(input({ candidates: [candidate(12, ["a", "b"])] })).claims;
    const other = planClaims(input({ routeUid: "uid-2", candidates: [candidate(12, ["a"])] })).claims;
    assert.deepEqual(
      a.map((claim) => claim.id),
      b.map((claim) => claim.id),
    );
    assert.notEqual(a[0]?.id, a[1]?.id);
    assert.notEqual(a[0]?.id, other[0]?.id);
  });
});

describe("settleAttempts", () => {
  const policy = { maxAttempts: 3, initialMs: 1000, maxMs: 3000 };
  const delivery = (attempts: number): NotificationDelivery => ({
    id: `d${attempts}`,
    event: "h",
    seq: 1,
    recipient: "channel",
    attempts,
  });
  const now = Date.parse("2026-12-06T10:00:00.000Z");

  it("counts arrivals, spaces retries by doubling up to the ceiling, and gives up after the last attempt", () => {
    const settled = settleAttempts(
      [
        { delivery: delivery(0), outcome: { kind: "delivered" } },
        { delivery: delivery(0), outcome: { kind: "retry", error: "HTTP 500" } },
        { delivery: delivery(1), outcome: { kind: "retry", error: "HTTP 503" } },
        { delivery: delivery(2), outcome: { kind: "retry", error: "HTTP 502" } },
      ],
      policy,
      now,
    );
    assert.equal(settled.delivered, 1);
    assert.equal(settled.failed, 1, "the third attempt was the last");
    assert.deepEqual(
      settled.retries.map((r) => [r.attempts, r.nextAttemptAt, r.lastError]),
      [
        [1, "2026-12-06T10:00:01.000Z", "HTTP 500"],
        [2, "2026-12-06T10:00:02.000Z", "HTTP 503"],
      ],
    );
    assert.deepEqual(settled.lastError, {
      id: "d2",
      recipient: "channel",
      seq: 1,
      error: "HTTP 502",
      gaveUp: true,
    });
  });

  it("keeps a delivery that was never sent waiting, its attempts unchanged", () => {
    const settled = settleAttempts(
      [{ delivery: delivery(2), outcome: { kind: "deferred", error: "not attempted: HTTP 503" } }],
      policy,
      now,
    );
    assert.deepEqual(
      settled.retries.map((r) => [r.attempts, r.nextAttemptAt]),
      [[2, "2026-12-06T10:00:01.000Z"]],
    );
    assert.deepEqual([settled.failed, settled.delivered, settled.lastError], [0, 0, undefined]);
  });

  it("gives up a refusal at once", () => {
    const settled = settleAttempts(
      [{ delivery: delivery(0), outcome: { kind: "failed", error: "HTTP 403" } }],
      policy,
      now,
    );
    assert.deepEqual([settled.failed, settled.retries.length, settled.lastError?.gaveUp], [1, 0, true]);
  });
});
