import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { resources } from "../../../src/controllers/resources.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { writeStatus } from "../../../src/runtime/status-writer.js";
import { clientFor, createTestNamespace } from "../../support/kube.js";

function task(name: string, namespace: string): Record<string, unknown> {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "DeploymentTask",
    metadata: { name, namespace },
    spec: { type: "Checklist", title: "Status writer test" },
  };
}

describe("status writer against the real API server", () => {
  let admin: KubeClient;
  let operator: KubeClient;
  let namespace: string;

  before(async () => {
    admin = await clientFor("admin");
    operator = await clientFor("operator");
    namespace = await createTestNamespace(admin, "status-writer");
  });
  after(() => {
    admin.close();
    operator.close();
  });

  it("retries a 409 Conflict from a fresh read and lands the status", async () => {
    const created = await admin.create(resources.deploymentTask, task("conflicted", namespace), namespace);
    // Someone else changes the object after we read it: our copy is now stale.
    await admin.patch(
      resources.deploymentTask,
      "conflicted",
      namespace,
      { metadata: { labels: { touched: "yes" } } },
      { type: "merge" },
    );

    const status = { phase: "Ready", progress: "0/0" };
    const result = await writeStatus(operator, resources.deploymentTask, created, status);

    assert.equal(result.written, true);
    assert.equal(result.attempts, 2, "the first write conflicts, the second lands");
    const stored = await admin.get(resources.deploymentTask, "conflicted", namespace);
    assert.deepEqual(stored.status, status);
    assert.equal(stored.metadata.labels?.touched, "yes", "the other writer's change is kept");
  });

  it("does not write when the status is unchanged", async () => {
    const created = await admin.create(resources.deploymentTask, task("unchanged", namespace), namespace);
    const first = await writeStatus(operator, resources.deploymentTask, created, { phase: "Ready" });
    const second = await writeStatus(operator, resources.deploymentTask, first.object, { phase: "Ready" });
    assert.equal(first.written, true);
    assert.equal(second.written, false);
    assert.equal(second.object.metadata.resourceVersion, first.object.metadata.resourceVersion);
  });
});
