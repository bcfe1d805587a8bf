import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { API_VERSION } from "../../../src/api/v1alpha1/group.js";
import { kubectl } from "../../support/cluster.js";
import {
  createNamespace,
  deleteNamespace,
  installStagegateCrds,
  kubectlOrThrow,
} from "./api-test-helpers.js";

/** A valid DeploymentTask carrying two fields the schema does not know, one nested in a list item. */
function taskWithUnknownFields(name: string): string {
  return JSON.stringify({
    apiVersion: API_VERSION,
    kind: "DeploymentTask",
    metadata: { name },
    spec: {
      type: "Checklist",
      title: "Prepare the rollout",
      colour: "red",
      checklist: [{ name: "backup", priority: "high" }],
    },
  });
}

describe("unknown fields on a real kube-apiserver", () => {
  let namespace = "";
  before(async () => {
    await installStagegateCrds();
    namespace = await createNamespace("api-unknown");
  });
  after(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  it("kubectl apply rejects them, naming each one (strict field validation)", async () => {
    const result = await kubectl("admin", ["apply", "-n", namespace, "-f", "-"], {
      input: taskWithUnknownFields("strict"),
    });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /unknown field "spec\.colour"/);
    assert.match(result.stderr, /unknown field "spec\.checklist\[0\]\.priority"/);
    const stored = await kubectl("admin", ["get", "deploymenttask", "strict", "-n", namespace]);
    assert.notEqual(stored.code, 0, "the rejected object must not exist");
  });

  it("server-side apply rejects them too", async () => {
    const result = await kubectl("admin", ["apply", "--server-side", "-n", namespace, "-f", "-"], {
      input: taskWithUnknownFields("strict-ssa"),
    });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /\.spec\.colour: field not declared in schema/);
  });

  it("with --validate=false the object is stored and the unknown fields are pruned", async () => {
    await kubectlOrThrow(
      "admin",
      ["apply", "--validate=false", "-n", namespace, "-f", "-"],
      taskWithUnknownFields("pruned"),
    );
    const stored = JSON.parse(
      await kubectlOrThrow("admin", ["get", "deploymenttask", "pruned", "-n", namespace, "-o", "json"]),
    ) as { spec: Record<string, unknown> & { checklist: Record<string, unknown>[] } };
    assert.equal("colour" in stored.spec, false);
    assert.equal(stored.spec.title, "Prepare the rollout");
    assert.deepEqual(stored.spec.checklist, [
      { name: "backup", required: true, requiresEvidence: false, state: "Pending" },
    ]);
  });
});
