import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fieldPath, parseWebhookPayload } from "../../../src/receivers/alertmanager-payload.js";

/** A notification as Alertmanager 0.25 sends it (nanosecond times, Go's zero endsAt while firing). */
function sample(): Record<string, unknown> {
  return {
    receiver: "stagegate",
    status: "firing",
    alerts: [
      {
        status: "firing",
        labels: { alertname: "HighErrorRate", namespace: "shop-prod", app: "shop", severity: "page" },
        annotations: { summary: "More than 20% of requests fail.", description: "5xx ratio is 0.31." },
        startsAt: "2026-11-26T10:23:10.123456789Z",
        endsAt: "0001-01-01T00:00:00Z",
        generatorURL: "http://prometheus:9090/graph?g0.expr=...",
        fingerprint: "3c1a2b4d5e6f7a8b",
      },
    ],
    groupLabels: { alertname: "HighErrorRate" },
    commonLabels: { alertname: "HighErrorRate", app: "shop" },
    commonAnnotations: { summary: "More than 20% of requests fail." },
    externalURL: "http://alertmanager:9093",
    version: "4",
    groupKey: '{}:{alertname="HighErrorRate"}',
    truncatedAlerts: 0,
  };
}

type Alert = Record<string, unknown>;
const alertOf = (p: Record<string, unknown>): Alert => (p.alerts as Alert[])[0] as Alert;

describe("Alertmanager webhook payload (version 4)", () => {
  it("parses a real notification and keeps the alert's evidence as sent", () => {
    const parsed = parseWebhookPayload(Buffer.from(JSON.stringify(sample())));
    assert.ok(parsed.ok, JSON.stringify(parsed));
    const alert = parsed.payload.alerts[0];
    assert.equal(parsed.payload.receiver, "stagegate");
    assert.equal(alert?.startsAt, "2026-11-26T10:23:10.123456789Z");
    assert.equal(alert?.fingerprint, "3c1a2b4d5e6f7a8b");
    assert.equal(alert?.labels.app, "shop");
    assert.equal(alert?.annotations.summary, "More than 20% of requests fail.");
  });

  it("accepts an alert without annotations or generatorURL, and unknown fields", () => {
    const payload = sample();
    const alert = alertOf(payload);
    delete alert.annotations;
    delete alert.generatorURL;
    alert.extra = true;
    const parsed = parseWebhookPayload(JSON.stringify(payload));
    assert.ok(parsed.ok, JSON.stringify(parsed));
    assert.deepEqual(parsed.payload.alerts[0]?.annotations, {});
  });

  const malformed: [string, (p: Record<string, unknown>) => unknown, string, RegExp][] = [
    ["a body that is not JSON", () => "{not json", "body", /body must be a JSON/],
    ["a JSON array", () => [], "body", /body must be a JSON object/],
    ["version 3", (p) => ({ ...p, version: "3" }), "version", /version must be "4"/],
    ["a missing version", (p) => ({ ...p, version: undefined }), "version", /version is required/],
    ["a number as version", (p) => ({ ...p, version: 4 }), "version", /version must be "4"/],
    ["a missing receiver", (p) => ({ ...p, receiver: undefined }), "receiver", /receiver is required/],
    [
      "an unknown status",
      (p) => ({ ...p, status: "pending" }),
      "status",
      /status must be "firing" or "resolved"/,
    ],
    ["alerts not a list", (p) => ({ ...p, alerts: {} }), "alerts", /alerts must be a list of alerts/],
    [
      "a startsAt that is not RFC 3339",
      (p) => ((alertOf(p).startsAt = "yesterday"), p),
      "alerts[0].startsAt",
      /alerts\[0\]\.startsAt must be an RFC 3339 time/,
    ],
    [
      "a missing startsAt",
      (p) => (delete alertOf(p).startsAt, p),
      "alerts[0].startsAt",
      /alerts\[0\]\.startsAt is required/,
    ],
    [
      "an endsAt without a zone",
      (p) => ((alertOf(p).endsAt = "2026-11-26T10:23:10"), p),
      "alerts[0].endsAt",
      /RFC 3339/,
    ],
    [
      "a missing fingerprint",
      (p) => (delete alertOf(p).fingerprint, p),
      "alerts[0].fingerprint",
      /alerts\[0\]\.fingerprint is required/,
    ],
    [
      "a fingerprint that is not hex",
      (p) => ((alertOf(p).fingerprint = "../../etc"), p),
      "alerts[0].fingerprint",
      /hex fingerprint/,
    ],
    [
      "a label value that is not a string",
      (p) => ((alertOf(p).labels = { app: 7 }), p),
      "alerts[0].labels.app",
      /label values must be strings/,
    ],
    [
      "an alert status that is unknown",
      (p) => ((alertOf(p).status = "silenced"), p),
      "alerts[0].status",
      /alerts\[0\]\.status must be "firing" or "resolved"/,
    ],
  ];
  for (const [name, mutate, field, message] of malformed) {
    it(`refuses ${name}, naming ${field}`, () => {
      const body = mutate(sample());
      const parsed = parseWebhookPayload(typeof body === "string" ? body : JSON.stringify(body));
      assert.equal(parsed.ok, false);
      if (parsed.ok) return;
      assert.equal(parsed.field, field);
      assert.match(parsed.message, message);
    });
  }

  it("lists further problems after the first, so one fix covers them all", () => {
    const payload = sample();
    alertOf(payload).startsAt = "soon";
    alertOf(payload).fingerprint = "";
    const parsed = parseWebhookPayload(JSON.stringify(payload));
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    assert.match(parsed.message, /alerts\[0\]\.startsAt .*; alerts\[0\]\.fingerprint/);
  });

  it("writes field paths the way a reader looks them up", () => {
    assert.equal(fieldPath([]), "body");
    assert.equal(fieldPath(["alerts", 2, "labels", "app"]), "alerts[2].labels.app");
  });
});
