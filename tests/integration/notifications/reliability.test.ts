// Notification delivery when things go wrong, against a real HTTPS receiver and the real API server: a receiver
// that answers 500 (retried with backoff until it takes the event), one that refuses for good (given up, counted,
// shown on the route), an operator restart (nothing delivered twice), a crash while sending (the claim is found,
// counted as interrupted and never resent), two replicas at once (each delivery at most once, none lost silently),
// and the rate limit (deliveries beyond it wait, in order).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { waitFor } from "../../support/kube.js";
import { counterValue, NotificationWorld } from "./world.js";

const HMAC_KEY = "0123456789abcdef0123456789abcdef-reliability";

/** The delivery ids a receiver path got, in order (repeats kept: a repeat is a failure). */
function deliveryIds(world: NotificationWorld, path: string): string[] {
  return world.receiver.at(path).map((request) => String(request.headers["x-stagegate-delivery"]));
}

describe("notification delivery when things go wrong", () => {
  const world = new NotificationWorld();
  let route = 0;

  /** A fresh webhook route on its own receiver path; returns its name and path. */
  const newRoute = async (
    action: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ name: string; path: string }> => {
    const name = `route-${++route}`;
    const path = `/${name}`;
    await world.secret(name, { url: world.url(path), hmacKey: HMAC_KEY, caCert: world.caPem });
    await world.route(name, {
      actions: [action],
      channel: { type: "webhook", secretRef: { name } },
      ...extra,
    });
    return { name, path };
  };

  before(() => world.setUp("notify-reliability"));
  after(() => world.tearDown());

  it("retries after the receiver answers 500 until it takes the event, and shows the failure meanwhile", async () => {
    const { name, path } = await newRoute("ChangeRejected");
    const { notifier, metrics } = await world.notifier({ maxAttempts: 5 });
    await notifier.passAll();
    world.receiver.script.push(500, 500);
    await world.record("ChangeRejected", "checkout-cr");
    await notifier.passAll();
    const failing = await world.condition(name, "DeliveryFailing");
    assert.equal(failing?.status, "True");
    assert.equal(failing?.reason, "DeliveryRetrying");
    assert.match(failing?.message ?? "", /HTTP 500/);
    assert.equal((await world.status(name)).retries?.length, 1);
    await waitFor("the event taken on the third attempt", async () => {
      world.clock.advance(2_000); // past each backoff
      await notifier.passAll();
      return world.receiver.at(path).length === 3 ? true : undefined;
    });
    const ids = deliveryIds(world, path);
    assert.equal(new Set(ids).size, 1, "the same delivery id on each attempt");
    const status = await world.status(name);
    assert.equal(status.delivered, 1);
    assert.deepEqual(status.retries, []);
    assert.equal((await world.condition(name, "DeliveryFailing"))?.status, "False");
    assert.equal(await counterValue(metrics.attempts, { channel: "webhook", result: "retry" }), 2);
    assert.equal(await counterValue(metrics.attempts, { channel: "webhook", result: "delivered" }), 1);
  });

  it("stops a pass at the first failure of the receiver, and sends the rest later, each once", async () => {
    const { name, path } = await newRoute("ChangeDeferred");
    const { notifier } = await world.notifier({ maxAttempts: 5 });
    await notifier.passAll();
    world.receiver.script.push(503);
    for (let i = 0; i < 3; i++) await world.record("ChangeDeferred", `change-${i}`);
    await notifier.passAll();
    assert.equal(world.receiver.at(path).length, 1, "one attempt, then the rest waited unsent");
    const waiting = (await world.status(name)).retries ?? [];
    assert.deepEqual(
      waiting.map((retry) => retry.attempts),
      [1, 0, 0],
    );
    await waitFor("all three delivered", async () => {
      world.clock.advance(2_000);
      await notifier.passAll();
      return (await world.status(name)).delivered === 3 ? true : undefined;
    });
    const ids = deliveryIds(world, path);
    assert.equal(ids.length, 4);
    assert.equal(new Set(ids).size, 3);
  });

  it("gives up a delivery the receiver refuses, counts it and keeps it on the route until one arrives", async () => {
    const { name, path } = await newRoute("ChangeExpired");
    const { notifier, metrics } = await world.notifier();
    await notifier.passAll();
    world.receiver.script.push(403);
    await world.record("ChangeExpired", "checkout-cr");
    await notifier.passAll();
    await notifier.passAll();
    assert.equal(world.receiver.at(path).length, 1, "a refusal is not retried");
    const status = await world.status(name);
    assert.equal(status.failed, 1);
    const delivering = status.conditions?.find((c) => c.type === "Delivering");
    const failing = status.conditions?.find((c) => c.type === "DeliveryFailing");
    assert.equal(delivering?.status, "False");
    assert.equal(failing?.status, "True");
    assert.equal(failing?.reason, "DeliveryGivenUp");
    assert.match(failing?.message ?? "", /refused the notification with HTTP 403.*given up/);
    assert.doesNotMatch(JSON.stringify(status), /0123456789abcdef/, "no Secret value in the status");
    assert.equal(await counterValue(metrics.attempts, { channel: "webhook", result: "failed" }), 1);
    await world.record("ChangeExpired", "billing-cr");
    await notifier.passAll();
    assert.equal((await world.condition(name, "DeliveryFailing"))?.status, "False");
  });

  it("delivers nothing twice across a restart of the operator", async () => {
    const { name, path } = await newRoute("ReleasePromoted", { rateLimit: { perMinute: 600, burst: 100 } });
    const first = await world.notifier();
    await first.notifier.passAll();
    for (let i = 0; i < 5; i++) await world.record("ReleasePromoted", `release-${i}`);
    await first.notifier.passAll();
    assert.equal(world.receiver.at(path).length, 5);
    // A new process: nothing in memory, only what the route's status holds.
    const second = await world.notifier();
    await second.notifier.passAll();
    for (let i = 5; i < 8; i++) await world.record("ReleasePromoted", `release-${i}`);
    await second.notifier.passAll();
    await second.notifier.passAll();
    const ids = deliveryIds(world, path);
    assert.equal(ids.length, 8);
    assert.equal(new Set(ids).size, 8);
    assert.equal((await world.status(name)).delivered, 8);
  });

  it("never resends a delivery that was in flight when the operator died, and says so", async () => {
    const { name, path } = await newRoute("EnvironmentFailed");
    const dying = await world.notifier({ timeoutMs: 30_000 });
    await dying.notifier.passAll();
    world.receiver.script.push("hang");
    await world.record("EnvironmentFailed", "checkout", { environment: "prod" });
    const stuck = dying.notifier.passAll(); // sends, and gets no answer: the process "dies" here
    await waitFor("the request at the receiver", () =>
      world.receiver.at(path).length === 1 ? true : undefined,
    );
    assert.equal((await world.status(name)).inFlight?.length, 1, "claimed before it was sent");
    const next = await world.notifier();
    await next.notifier.passAll();
    await next.notifier.passAll();
    assert.equal(world.receiver.at(path).length, 1, "not sent again");
    const status = await world.status(name);
    assert.deepEqual(status.inFlight, []);
    assert.equal(status.failed, 1);
    const failing = status.conditions?.find((c) => c.type === "DeliveryFailing");
    assert.equal(failing?.reason, "Interrupted");
    assert.match(failing?.message ?? "", /may not have arrived and are not sent again/);
    assert.equal(await counterValue(next.metrics.attempts, { channel: "webhook", result: "interrupted" }), 1);
    world.receiver.release();
    await stuck; // the old pass ends without undoing what the new one recorded
    assert.equal((await world.status(name)).failed, 1);
    assert.equal(world.receiver.at(path).length, 1);
  });

  it("with two replicas delivering at once, each delivery is made at most once and none is lost silently", async () => {
    const { name, path } = await newRoute("TaskItemCompleted", { rateLimit: { perMinute: 600, burst: 100 } });
    const a = await world.notifier({ pollMs: 10 });
    const b = await world.notifier({ pollMs: 10 });
    await a.notifier.passAll();
    const stop = new AbortController();
    const running = [a.notifier.run(stop.signal), b.notifier.run(stop.signal)];
    const total = 30;
    try {
      for (let i = 0; i < total; i++) await world.record("TaskItemCompleted", `task-${i}`);
      await waitFor("every event settled", async () => {
        const status = await world.status(name);
        const settled = (status.delivered ?? 0) + (status.failed ?? 0);
        return settled >= total && (status.inFlight ?? []).length === 0 ? status : undefined;
      });
    } finally {
      stop.abort();
      await Promise.all(running);
    }
    const ids = deliveryIds(world, path);
    assert.equal(new Set(ids).size, ids.length, "no delivery received twice");
    const status = await world.status(name);
    // Every event is accounted for: received, or counted as given up on the route (never dropped quietly).
    assert.ok(ids.length + (status.failed ?? 0) >= total, `${ids.length} received, ${status.failed} failed`);
    assert.ok(ids.length <= total);
  });

  it("holds deliveries beyond the rate limit and sends them, in order, as it refills", async () => {
    const { name, path } = await newRoute("ChangeRequested", { rateLimit: { perMinute: 2, burst: 2 } });
    const { notifier, metrics } = await world.notifier();
    await notifier.passAll();
    for (let i = 0; i < 5; i++) await world.record("ChangeRequested", `change-${i}`);
    await notifier.passAll();
    await notifier.passAll();
    assert.equal(world.receiver.at(path).length, 2, "the burst");
    assert.ok((await counterValue(metrics.rateLimited, { channel: "webhook" })) >= 1);
    world.clock.advance(30_000); // one more token
    await notifier.passAll();
    assert.equal(world.receiver.at(path).length, 3);
    world.clock.advance(60_000);
    await notifier.passAll();
    const names = world.receiver
      .at(path)
      .map(
        (request) => (JSON.parse(request.body) as { event: { object: { name: string } } }).event.object.name,
      );
    assert.deepEqual(names, ["change-0", "change-1", "change-2", "change-3", "change-4"]);
    assert.equal((await world.status(name)).delivered, 5);
  });
});
