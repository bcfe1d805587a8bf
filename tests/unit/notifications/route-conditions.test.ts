import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NotificationRouteStatus } from "../../../src/api/v1alpha1/notification-route.js";
import { failureHealth, routeConditions, steadyHealth } from "../../../src/notifications/route-conditions.js";

const at = new Date("2026-12-06T10:00:00.000Z");
const later = new Date("2026-12-06T10:05:00.000Z");

describe("a route's conditions", () => {
  it("turn Delivering False and DeliveryFailing True with the error in words, and back", () => {
    const failing = routeConditions(
      undefined,
      failureHealth({ seq: 7, recipient: "channel", error: "the receiver answered HTTP 500", gaveUp: false }),
      3,
      at,
    );
    assert.deepEqual(
      failing.map((c) => [c.type, c.status, c.reason, c.observedGeneration]),
      [
        ["Delivering", "False", "DeliveryRetrying", 3],
        ["DeliveryFailing", "True", "DeliveryRetrying", 3],
      ],
    );
    assert.match(
      failing[1]?.message ?? "",
      /audit entry 7 to channel failed: the receiver answered HTTP 500\. It is tried again/,
    );
    const healthy = routeConditions(failing, steadyHealth({ delivered: 4, failed: 0 }, true), 3, later);
    assert.deepEqual(
      healthy.map((c) => [c.type, c.status, c.reason, c.lastTransitionTime]),
      [
        ["Delivering", "True", "Delivered", "2026-12-06T10:05:00Z"],
        ["DeliveryFailing", "False", "NoFailures", "2026-12-06T10:05:00Z"],
      ],
    );
  });

  const withDelivering = (reason: string): NotificationRouteStatus => ({
    delivered: 2,
    failed: 1,
    conditions: [
      {
        type: "Delivering",
        status: "False",
        reason,
        message: `earlier: ${reason}`,
        lastTransitionTime: "2026-12-06T09:00:00Z",
      },
    ],
  });
  const rows: [string, NotificationRouteStatus, boolean, string][] = [
    [
      "retries waiting keep it failing",
      {
        retries: [{ id: "a", event: "h", seq: 3, recipient: "channel", attempts: 1, lastError: "HTTP 503" }],
      },
      false,
      "DeliveryRetrying",
    ],
    [
      "a give-up stays shown while nothing arrived",
      withDelivering("DeliveryGivenUp"),
      false,
      "DeliveryGivenUp",
    ],
    [
      "an interruption stays shown while nothing arrived",
      withDelivering("Interrupted"),
      false,
      "Interrupted",
    ],
    ["a Secret problem is judged again each pass", withDelivering("SecretForbidden"), false, "Delivered"],
  ];
  for (const [name, status, arrived, reason] of rows) {
    it(name, () => assert.equal(steadyHealth(status, arrived).reason, reason));
  }
  it("clears a give-up once a delivery arrives", () => {
    assert.equal(steadyHealth(withDelivering("DeliveryGivenUp"), true).reason, "Delivered");
  });
});
