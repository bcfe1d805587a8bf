import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LIMITS } from "../../../src/api/v1alpha1/bounds.js";
import { DeploymentTaskSpec } from "../../../src/api/v1alpha1/deployment-task.js";
import { ReleaseSpec } from "../../../src/api/v1alpha1/release.js";
import { rollbackTaskName } from "../../../src/controllers/release/names.js";
import type { ReleaseCandidate } from "../../../src/receivers/alertmanager-match.js";
import { parseWebhookPayload } from "../../../src/receivers/alertmanager-payload.js";
import { planRollbackTask } from "../../../src/receivers/alertmanager-task.js";
import { foreignRollbackTask } from "../../../src/receivers/alertmanager-task-origin.js";
import { isPrintableText } from "../../../src/runtime/printable-text.js";
import { testRollbackSeal } from "../../support/rollback-seal.js";

const SHA = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const START = new Date("2026-11-26T10:23:10Z");
const release: ReleaseCandidate = {
  namespace: "shop",
  name: "shop-1",
  uid: "0b6c4a6e-1111-2222-3333-444455556666",
  spec: ReleaseSpec.parse({
    version: "1.4.0",
    source: { repoURL: "https://git.example.com/shop.git", revision: SHA, commits: [] },
    pipeline: ["prod"],
    targets: [{ environment: "prod", argoCD: { name: "shop-prod", revision: SHA } }],
    owners: { releaseManager: { name: "dave" }, rollbackOwner: { kind: "Group", name: "shop-oncall" } },
  }),
};

function notification(alert: Record<string, unknown>): string {
  return JSON.stringify({
    version: "4",
    receiver: "on\u001b[2Jcall",
    status: "firing",
    alerts: [
      {
        status: "firing",
        startsAt: START.toISOString(),
        fingerprint: "3c1a2b4d5e6f7a8b",
        labels: { alertname: "HighErrorRate" },
        ...alert,
      },
    ],
  });
}

function parsedAlert(alert: Record<string, unknown>) {
  const parsed = parseWebhookPayload(notification(alert));
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.message);
  const [first] = parsed.payload.alerts;
  assert.ok(first !== undefined);
  return { payload: parsed.payload, alert: first };
}

describe("the Rollback task name tells every alert apart", () => {
  it("two fingerprints sharing their first 16 characters name two tasks", () => {
    const a = rollbackTaskName("shop-1", "prod", `3c1a2b4d5e6f7a8b${"0".repeat(48)}`, START);
    const b = rollbackTaskName("shop-1", "prod", `3c1a2b4d5e6f7a8b${"0".repeat(47)}1`, START);
    assert.notEqual(a, b);
  });

  it("keeps the name of an ordinary 16-digit fingerprint as it was, so open tasks keep their names", () => {
    assert.equal(
      rollbackTaskName("shop-1", "prod", "3c1a2b4d5e6f7a8b", START),
      "shop-1-prod-rollback-3c1a2b4d5e6f7a8b-20261126102310",
    );
  });

  it("stays a valid object name, with room for -validation, for the longest release, environment and fingerprint", () => {
    const longEnv = `e${"x".repeat(252)}`;
    const a = rollbackTaskName("r".repeat(63), longEnv, "a".repeat(64), START);
    const b = rollbackTaskName("r".repeat(63), longEnv, `${"a".repeat(63)}b`, START);
    for (const name of [a, b]) {
      assert.ok(name.length <= 242, `${name.length} characters`);
      assert.match(name, /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    }
    assert.notEqual(a, b);
  });
});

describe("alert text is made printable at the receiver", () => {
  const hostile = {
    labels: {
      alertname: "High\u001b[31mErrorRate\u001b[0m",
      "app\u0007": "shop\r\u001b]0;owned\u0007",
      severity: "page\u009b2J",
    },
    annotations: {
      summary: "Errors \u001b[1A\u001b[2Kall good\u202e",
      description: "Line one\nLine two\u0000\u001bc",
    },
    generatorURL: "http://prometheus:9090/\u001b]8;;http://evil\u0007graph",
  };

  it("strips escape sequences and control characters from labels, annotations, the receiver and links", () => {
    const { payload, alert } = parsedAlert(hostile);
    assert.equal(payload.receiver, "oncall");
    assert.deepEqual(alert.labels, { alertname: "HighErrorRate", app: "shop ", severity: "page2J" });
    assert.equal(alert.annotations.summary, "Errors all good");
    assert.equal(alert.annotations.description, "Line one\nLine two");
    assert.equal(alert.generatorURL, "http://prometheus:9090/graph");
  });

  it("opens a task whose title, description and evidence hold only printable text", () => {
    const { alert } = parsedAlert(hostile);
    const task = planRollbackTask(release, "prod", alert, START, testRollbackSeal);
    const spec = DeploymentTaskSpec.parse(task.spec);
    assert.equal(spec.title, "Roll back shop-1 in prod: Errors all good");
    for (const text of [
      spec.title,
      spec.description ?? "",
      ...Object.entries(spec.alert?.labels ?? {}).flat(),
      ...Object.entries(spec.alert?.annotations ?? {}).flat(),
    ]) {
      assert.ok(isPrintableText(text), JSON.stringify(text));
    }
  });
});

describe("an alert larger than a task may hold still opens its task, cut to the CRD's bounds", () => {
  it("keeps 128 labels, cuts a 1 MB description and a 100 kB alert name, and the spec fits the CRD", () => {
    const labels: Record<string, string> = { alertname: "A".repeat(100_000) };
    for (let i = 0; i < 500; i++) labels[`label_${String(i).padStart(3, "0")}`] = "v".repeat(5000);
    const { alert } = parsedAlert({ labels, annotations: { description: "d".repeat(1024 * 1024) } });
    const task = planRollbackTask(release, "prod", alert, START, testRollbackSeal);
    const spec = DeploymentTaskSpec.parse(task.spec);
    assert.ok((spec.description ?? "").length <= LIMITS.text);
    assert.match(spec.description ?? "", /Alertmanager reported alert A+… \(fingerprint 3c1a2b4d5e6f7a8b\)/);
    assert.equal(Object.keys(spec.alert?.labels ?? {}).length, LIMITS.mapEntries);
    assert.ok(Object.values(spec.alert?.labels ?? {}).every((v) => v.length <= LIMITS.text));
    assert.ok(spec.title.length <= 256);
  });
});

describe("a task found under an alert's Rollback task name counts only if that alert opened it", () => {
  const FP = "3c1a2b4d5e6f7a8b";
  const RELEASE_UID = "0b6c4a6e-1111-2222-3333-444455556666";
  const owned = (uid: string) => [
    { apiVersion: API, kind: "Release", name: "shop-1", uid, controller: true },
  ];
  const API = "stagegate.io/v1alpha1";
  const rows: [
    situation: string,
    task: Parameters<typeof foreignRollbackTask>[0],
    expected: RegExp | undefined,
  ][] = [
    [
      "the task this alert opened (fingerprint in another case)",
      {
        metadata: { name: "t", ownerReferences: owned(RELEASE_UID) },
        spec: { type: "Rollback", alert: { fingerprint: FP.toUpperCase() } },
      },
      undefined,
    ],
    [
      "a Checklist task made in advance under the name",
      { metadata: { name: "t", ownerReferences: owned(RELEASE_UID) }, spec: { type: "Checklist" } },
      /not a Rollback task/,
    ],
    [
      "a Rollback task without the Release as controller",
      { metadata: { name: "t" }, spec: { type: "Rollback", alert: { fingerprint: FP } } },
      /not controlled by the matched Release/,
    ],
    [
      "a Rollback task of another Release with the same name (another UID)",
      {
        metadata: { name: "t", ownerReferences: owned("another-uid") },
        spec: { type: "Rollback", alert: { fingerprint: FP } },
      },
      /not controlled by the matched Release/,
    ],
    [
      "a Rollback task recording another fingerprint",
      {
        metadata: { name: "t", ownerReferences: owned(RELEASE_UID) },
        spec: { type: "Rollback", alert: { fingerprint: "ffff" } },
      },
      /records fingerprint ffff/,
    ],
  ];
  for (const [situation, task, expected] of rows) {
    it(situation, () => {
      const found = foreignRollbackTask(task, RELEASE_UID, FP);
      if (expected === undefined) assert.equal(found, undefined);
      else assert.match(found ?? "", expected);
    });
  }
});
