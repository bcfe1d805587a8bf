// The operator process wakes its notifier when it records an entry: with `--notification-poll-interval=10m`, a fact
// the operator itself records (a Release's gate waiting on an Environment that does not exist: GateWaitChanged)
// reaches the route's HTTPS receiver long before the next poll, which only the wake-up explains. The delivery is
// the same claimed, signed, at-most-once one as a polled delivery (ADR 0044).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { resources } from "../../../src/controllers/resources.js";
import { kubeconfigPath } from "../../support/cluster.js";
import { waitFor } from "../../support/kube.js";
import { startOperator, type OperatorProcess } from "../../support/operator-process.js";
import { releaseSpec } from "../../support/release-world.js";
import { NotificationWorld } from "./world.js";

describe("notifications woken by the operator's own audit entries", () => {
  const world = new NotificationWorld();
  const id = randomBytes(3).toString("hex");
  let operator: OperatorProcess | undefined;

  before(async () => {
    await world.setUp("notify-wake");
    await world.secret("hook", {
      url: world.url("/hook"),
      hmacKey: "0123456789abcdef0123456789abcdef-wake",
      caCert: world.caPem,
    });
  });
  after(async () => {
    await operator?.kill();
    await world.tearDown();
  });

  it("delivers an entry the operator records without waiting for the next poll", async () => {
    operator = startOperator(kubeconfigPath("operator"), [
      `--namespace=${world.namespace}`,
      `--leader-election-id=stagegate-wake-${id}`,
      "--notifications=true",
      "--notification-allowed-networks=127.0.0.0/8",
      "--notification-poll-interval=10m",
    ]);
    await operator.waitForLog("Started delivering notifications", {}, 60_000);
    // The route exists from here on; its first pass happened at the start, the next poll is 10 minutes away.
    await world.route("hook", {
      actions: ["GateWaitChanged"],
      channel: { type: "webhook", secretRef: { name: "hook" } },
    });
    await world.admin.create(
      resources.release,
      {
        apiVersion: "stagegate.io/v1alpha1",
        kind: "Release",
        metadata: { name: "woken", namespace: world.namespace },
        spec: releaseSpec({
          version: "1.0.0",
          revision: "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2",
          pipeline: [`nowhere-${id}`],
        }),
      },
      world.namespace,
    );
    const received = await waitFor(
      "the GateWaitChanged delivery",
      () => {
        const requests = world.receiver.at("/hook");
        return requests.length > 0 ? requests : undefined;
      },
      { timeoutMs: 90_000 },
    );
    const event = (
      JSON.parse(received[0]?.body ?? "{}") as { event?: { action?: string; object?: { name?: string } } }
    ).event;
    assert.equal(event?.action, "GateWaitChanged");
    assert.equal(event?.object?.name, "woken");
    const status = await waitFor("the delivery settled on the route", async () => {
      const s = await world.status("hook");
      return (s.delivered ?? 0) >= 1 && (s.inFlight ?? []).length === 0 ? s : undefined;
    });
    assert.equal(status.failed ?? 0, 0);
  });
});
