import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  globMatch,
  insideArgoSyncWindows,
  matchingWindows,
  syncPermittedAt,
  syncRefusal,
  type ArgoSyncWindow,
  type WindowedApplication,
} from "../../../src/policy/argo-sync-windows.js";

const app: WindowedApplication = {
  name: "payments-prod",
  destination: { server: "https://kubernetes.default.svc", namespace: "payments" },
};
const at = (iso: string): Date => new Date(iso);
// Nightly 22:00 to 06:00 in Berlin (UTC+1 in December).
const nightlyDeny: ArgoSyncWindow = {
  kind: "deny",
  schedule: "0 22 * * *",
  duration: "8h",
  timeZone: "Europe/Berlin",
  applications: ["payments-*"],
  description: "no night deploys",
};
// Weekdays 09:00 to 17:00 UTC.
const officeAllow: ArgoSyncWindow = {
  kind: "allow",
  schedule: "0 9 * * 1-5",
  duration: "8h",
  namespaces: ["payments"],
};

describe("Argo CD sync windows", () => {
  it("matches globs as Argo CD does: *, ?, classes and alternatives", () => {
    assert.equal(globMatch("payments-*", "payments-prod"), true);
    assert.equal(globMatch("payments-?rod", "payments-prod"), true);
    assert.equal(globMatch("{checkout,payments}-prod", "payments-prod"), true);
    assert.equal(globMatch("[pq]ayments-prod", "payments-prod"), true);
    assert.equal(globMatch("payments", "payments-prod"), false);
    assert.equal(globMatch("pay.ments", "payments"), false, "a dot is literal");
  });

  it("matches a window by application, cluster or namespace (OR), or all that are set (AND)", () => {
    assert.equal(matchingWindows([{ ...nightlyDeny, applications: ["other"] }], app).length, 0);
    assert.equal(
      matchingWindows([{ ...nightlyDeny, applications: ["other"], namespaces: ["pay*"] }], app).length,
      1,
    );
    const and = { ...nightlyDeny, applications: ["other"], namespaces: ["pay*"], andOperator: true };
    assert.equal(matchingWindows([and], app).length, 0);
    assert.equal(matchingWindows([{ kind: "deny", schedule: "* * * * *", duration: "1h" }], app).length, 0);
    assert.equal(
      matchingWindows([{ ...officeAllow, namespaces: [], clusters: ["https://kubernetes.*"] }], app).length,
      1,
    );
  });

  it("refuses inside an active deny window in its time zone, and not outside it", () => {
    // 21:30 UTC is 22:30 in Berlin: inside.
    assert.deepEqual(syncRefusal([nightlyDeny], at("2026-12-08T21:30:00Z")), [nightlyDeny]);
    // 20:30 UTC is 21:30 in Berlin: before it.
    assert.equal(syncRefusal([nightlyDeny], at("2026-12-08T20:30:00Z")), undefined);
  });

  it("lets Stagegate's manual sync through a deny window that allows manual syncs", () => {
    assert.equal(syncRefusal([{ ...nightlyDeny, manualSync: true }], at("2026-12-08T21:30:00Z")), undefined);
  });

  it("refuses outside every allow window, and permits inside one; a deny wins over an allow", () => {
    assert.deepEqual(syncRefusal([officeAllow], at("2026-12-08T18:00:00Z")), [officeAllow]);
    assert.equal(syncRefusal([officeAllow], at("2026-12-08T10:00:00Z")), undefined);
    const lunch: ArgoSyncWindow = { kind: "deny", schedule: "0 12 * * *", duration: "1h", namespaces: ["*"] };
    assert.deepEqual(syncRefusal([officeAllow, lunch], at("2026-12-08T12:30:00Z")), [lunch]);
  });

  it("finds the first instant the sync is permitted", () => {
    assert.deepEqual(syncPermittedAt([officeAllow], at("2026-12-08T18:00:00Z")), at("2026-12-09T09:00:00Z"));
    assert.deepEqual(syncPermittedAt([nightlyDeny], at("2026-12-08T21:30:00Z")), at("2026-12-09T05:00:00Z"));
  });

  it("names the project, the window and when it lets go in the gate's reason", () => {
    const gate = insideArgoSyncWindows(
      { project: "argocd/payments", windows: [nightlyDeny], application: app },
      at("2026-12-08T21:30:00Z"),
    );
    assert.equal(gate.pass, false);
    assert.equal(gate.reason, "SyncWindowClosed");
    assert.match(
      gate.message,
      /AppProject argocd\/payments's deny window "0 22 \* \* \*" for 8h \(Europe\/Berlin\), no night deploys holds it until 2026-12-09T05:00:00Z/,
    );
  });

  it("holds the promotion when a window does not parse, as Argo CD refuses every sync then", () => {
    const gate = insideArgoSyncWindows(
      { project: "p", windows: [{ ...nightlyDeny, schedule: "not cron" }], application: app },
      at("2026-12-08T21:30:00Z"),
    );
    assert.equal(gate.reason, "SyncWindowInvalid");
  });

  it("passes without windows", () => {
    assert.equal(insideArgoSyncWindows(undefined, at("2026-12-08T21:30:00Z")).pass, true);
  });
});
