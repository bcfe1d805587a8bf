import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { StoredAuditEntry } from "../../../src/audit/entry.js";
import { redact } from "../../../src/notifications/channel-secret.js";
import { DestinationGuard, parseNetworks } from "../../../src/notifications/destination.js";
import { labelsMatch, recipientsOf, routeWants } from "../../../src/notifications/match.js";

const entry = (namespace: string | undefined, action: string, environment?: string): StoredAuditEntry => ({
  seq: 1,
  time: "2026-12-06T10:00:00.000Z",
  actor: "alice",
  action,
  object: { kind: "Release", ...(namespace === undefined ? {} : { namespace }), name: "checkout" },
  details: environment === undefined ? {} : { environment },
  prevHash: "0".repeat(64),
  hash: "1".repeat(64),
});

describe("routeWants", () => {
  const route = { namespace: "payments", spec: { actions: ["ReleasePromoted"], environments: ["prod"] } };
  const rows: [string, StoredAuditEntry, boolean][] = [
    ["its namespace, action and environment", entry("payments", "ReleasePromoted", "prod"), true],
    ["another namespace's event, even a matching one", entry("billing", "ReleasePromoted", "prod"), false],
    ["a cluster-scoped object's event", entry(undefined, "ReleasePromoted", "prod"), false],
    ["another action", entry("payments", "TargetLocked", "prod"), false],
    ["another environment", entry("payments", "ReleasePromoted", "dev"), false],
    ["an event naming no environment when the route names some", entry("payments", "ReleasePromoted"), false],
  ];
  for (const [name, given, expected] of rows) {
    it(`${expected ? "wants" : "does not want"} ${name}`, () =>
      assert.equal(routeWants(route, given), expected));
  }
  it("wants any environment, and none, when it names none", () => {
    const any = { namespace: "payments", spec: { actions: ["ReleasePromoted"], environments: [] } };
    assert.equal(routeWants(any, entry("payments", "ReleasePromoted")), true);
    assert.equal(routeWants(any, entry("payments", "ReleasePromoted", "dev")), true);
  });
});

describe("labels and recipients", () => {
  it("matches when every label is carried with its value", () => {
    assert.equal(labelsMatch({ team: "a" }, { team: "a", x: "y" }), true);
    assert.equal(labelsMatch({ team: "a" }, { team: "b" }), false);
    assert.equal(labelsMatch({ team: "a" }, undefined), false);
  });
  it("sends mail to each distinct address and a webhook once", () => {
    const recipients = { users: [], groups: [], emails: ["a@example.com", "b@example.com", "a@example.com"] };
    assert.deepEqual(recipientsOf({ channel: { type: "smtp", secretRef: { name: "s" } }, recipients }), [
      "a@example.com",
      "b@example.com",
    ]);
    assert.deepEqual(
      recipientsOf({
        channel: { type: "slack", secretRef: { name: "s" } },
        recipients: { ...recipients, emails: [] },
      }),
      ["channel"],
    );
  });
});

describe("DestinationGuard", () => {
  const guard = new DestinationGuard(parseNetworks("10.20.0.0/16"));
  const rows: [string, boolean][] = [
    ["127.0.0.1", false],
    ["169.254.169.254", false],
    ["10.0.0.5", false],
    ["10.20.3.4", true],
    ["172.16.0.1", false],
    ["192.168.1.1", false],
    ["::1", false],
    ["fd00::1", false],
    ["fe80::1", false],
    ["::ffff:127.0.0.1", false],
    ["93.184.216.34", true],
    ["2606:4700::1111", true],
  ];
  for (const [address, permitted] of rows) {
    it(`${permitted ? "permits" : "refuses"} ${address}`, () =>
      assert.equal(guard.permits(address), permitted));
  }
  it("refuses a host that resolves to an internal address, naming the flag", async () => {
    await assert.rejects(guard.resolve("localhost"), /internal address.*--notification-allowed-networks/);
  });
  it("refuses a network that is not CIDR", () => {
    assert.throws(() => parseNetworks("10.0.0.0"), /not a network in CIDR notation/);
    assert.throws(() => parseNetworks("10.0.0.0/33"), /not a network in CIDR notation/);
  });
});

describe("redact", () => {
  it("replaces every Secret value in an error", () => {
    assert.equal(
      redact("POST https://hooks.example/T0/secret-token failed: secret-token", ["secret-token"]),
      "POST https://hooks.example/T0/[redacted] failed: [redacted]",
    );
  });
});
