import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DeploymentTaskSpec } from "../../../src/api/v1alpha1/deployment-task.js";
import { ReleaseSpec } from "../../../src/api/v1alpha1/release.js";
import { checklistFor } from "../../../src/controllers/release/checklists.js";
import { rollbackTaskName } from "../../../src/controllers/release/names.js";
import type { ReleaseCandidate } from "../../../src/receivers/alertmanager-match.js";
import type { WebhookAlert } from "../../../src/receivers/alertmanager-payload.js";
import {
  planRollbackTask,
  resolutionTime,
  rollbackTaskFor,
} from "../../../src/receivers/alertmanager-task.js";
import { testRollbackSeal } from "../../support/rollback-seal.js";

const SHA = "4f2c1e0d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
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

function alert(overrides: Partial<WebhookAlert> = {}): WebhookAlert {
  return {
    status: "firing",
    labels: { alertname: "HighErrorRate", namespace: "shop-prod", app: "shop", severity: "page" },
    annotations: { summary: "More than 20% of requests fail.", description: "The 5xx ratio is 0.31." },
    startsAt: "2026-11-26T10:23:10.123456789Z",
    endsAt: "0001-01-01T00:00:00Z",
    generatorURL: "http://prometheus:9090/graph?g0.expr=x",
    fingerprint: "3c1a2b4d5e6f7a8b",
    ...overrides,
  };
}

const RECEIVED = new Date("2026-11-26T10:23:41.500Z");

describe("planning the Rollback task an alert opens", () => {
  it("names it from the release, environment, fingerprint and start, the same for every delivery", () => {
    const name = rollbackTaskFor(release, "prod", alert());
    assert.equal(name, "shop-1-prod-rollback-3c1a2b4d5e6f7a8b-20261126102310");
    assert.equal(
      name,
      rollbackTaskName("shop-1", "prod", "3c1a2b4d5e6f7a8b", new Date("2026-11-26T10:23:10Z")),
    );
    assert.equal(
      rollbackTaskFor(release, "prod", alert({ startsAt: "2026-11-26T11:23:10+01:00" })),
      name,
      "the same instant in another zone names the same task",
    );
    assert.notEqual(rollbackTaskFor(release, "prod", alert({ startsAt: "2026-11-26T12:00:00Z" })), name);
    assert.notEqual(rollbackTaskFor(release, "prod", alert({ fingerprint: "ffff2b4d5e6f7a8b" })), name);
  });

  it("plans a Rollback task owned by the rollback owner, with the checklist and the alert as evidence", () => {
    const task = planRollbackTask(release, "prod", alert(), RECEIVED, testRollbackSeal);
    assert.deepEqual(task.metadata, {
      name: "shop-1-prod-rollback-3c1a2b4d5e6f7a8b-20261126102310",
      namespace: "shop",
      labels: { "stagegate.io/release": "shop-1" },
      annotations: testRollbackSeal.annotations({
        namespace: "shop",
        name: "shop-1-prod-rollback-3c1a2b4d5e6f7a8b-20261126102310",
        release: { name: "shop-1", uid: release.uid },
        environment: "prod",
        origin: "Alert",
        policy: release.spec.rollbackPolicy.mode,
      }),
      ownerReferences: [
        {
          apiVersion: "stagegate.io/v1alpha1",
          kind: "Release",
          name: "shop-1",
          uid: release.uid,
          controller: true,
        },
      ],
    });
    const spec = DeploymentTaskSpec.parse(task.spec);
    assert.equal(spec.type, "Rollback");
    assert.deepEqual(spec.releaseRef, { name: "shop-1" });
    assert.equal(spec.environment, "prod");
    assert.deepEqual(spec.owners, [{ kind: "Group", name: "shop-oncall" }]);
    assert.deepEqual(
      spec.checklist.map((i) => i.name),
      checklistFor("Rollback").map((i) => i.name),
    );
    assert.equal(spec.title, "Roll back shop-1 in prod: More than 20% of requests fail.");
    assert.match(spec.description ?? "", /^The 5xx ratio is 0\.31\./);
    assert.match(spec.description ?? "", /rollback policy is Manual; shop-oncall owns the decision/);
    // Deep equality also proves there is no resolvedAt: a firing alert never carries a resolution.
    assert.deepEqual(spec.alert, {
      name: "HighErrorRate",
      fingerprint: "3c1a2b4d5e6f7a8b",
      startsAt: "2026-11-26T10:23:10.123456789Z",
      labels: alert().labels,
      annotations: alert().annotations,
      generatorURL: "http://prometheus:9090/graph?g0.expr=x",
      receivedAt: "2026-11-26T10:23:41.500Z",
    });
  });

  it("titles a task without annotations from the alert's name, and bounds the title", () => {
    const bare = planRollbackTask(
      release,
      "prod",
      alert({ annotations: {}, generatorURL: "" }),
      RECEIVED,
      testRollbackSeal,
    );
    const spec = DeploymentTaskSpec.parse(bare.spec);
    assert.equal(spec.title, "Roll back shop-1 in prod: alert HighErrorRate is firing");
    assert.equal(spec.alert?.generatorURL, undefined);
    const long = planRollbackTask(
      release,
      "prod",
      alert({ annotations: { summary: "x".repeat(400) } }),
      RECEIVED,
      testRollbackSeal,
    );
    assert.equal(DeploymentTaskSpec.parse(long.spec).title.length, 256);
  });

  it("takes the resolution time from endsAt, or now when Alertmanager sent none", () => {
    const now = new Date("2026-11-26T11:00:00Z");
    assert.equal(resolutionTime({ endsAt: "2026-11-26T10:50:00.5Z" }, now), "2026-11-26T10:50:00.5Z");
    assert.equal(resolutionTime({ endsAt: "0001-01-01T00:00:00Z" }, now), "2026-11-26T11:00:00Z");
    assert.equal(resolutionTime({}, now), "2026-11-26T11:00:00Z");
  });
});
