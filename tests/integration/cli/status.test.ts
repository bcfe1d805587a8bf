import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { API_VERSION } from "../../../src/api/v1alpha1/group.js";
import type { ReleaseStatusReport } from "../../../src/cli/verbs/status-format.js";
import { resources } from "../../../src/controllers/resources.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { clientFor, createTestNamespace } from "../../support/kube.js";
import { stagegateAs } from "./cli-helpers.js";

const T = "2026-12-08T08:00:00Z";
const GATED = "ChangeRequest payments-prod is not approved (1/2).";
const FROZEN = "Freeze window xmas is active until 2026-12-27T00:00:00Z.";

describe("stagegate status against the real API server", () => {
  let admin: KubeClient;
  let ns = "";
  before(async () => {
    admin = await clientFor("admin");
    ns = await createTestNamespace(admin, "cli-status");
    await admin.create(
      resources.release,
      {
        apiVersion: API_VERSION,
        kind: "Release",
        metadata: { name: "payments" },
        spec: {
          version: "2.14.0",
          source: { repoURL: "https://git.example.com/payments.git", revision: "3f2a1c9" },
          pipeline: ["dev", "prod"],
          owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "bob" } },
        },
      },
      ns,
    );
    // The operator's work (not running in these tests): dev verified, prod waiting at its gate.
    await admin.patch(
      resources.release,
      "payments",
      ns,
      {
        status: {
          currentEnvironment: "prod",
          currentState: "Gated",
          conditions: [
            {
              type: "Ready",
              status: "False",
              reason: "Gated",
              message: "The release waits at the gate of prod.",
              lastTransitionTime: T,
            },
          ],
          environments: [
            { name: "dev", state: "Verified", revision: "3f2a1c9", deployedAt: T, verifiedAt: T },
            { name: "prod", state: "Gated", requestedAt: T, reasons: [GATED, FROZEN] },
          ],
        },
      },
      { type: "merge", subresource: "status" },
    );
  });
  after(async () => {
    await admin.delete(builtin.namespace, ns);
    admin.close();
  });

  it("shows alice every environment in pipeline order, the gate reasons and the Ready condition", async () => {
    const result = await stagegateAs("alice", ["status", "payments", "-n", ns]);
    assert.equal(result.code, 0, result.stderr);
    const out = result.stdout;
    assert.match(out, new RegExp(`^Release payments \\(version 2\\.14\\.0\\) in namespace ${ns}$`, "m"));
    assert.match(out, /^Ready: False \(Gated\) The release waits at the gate of prod\.$/m);
    assert.match(out, /^ {2}dev\n {4}state: +Verified\n {4}revision: +3f2a1c9$/m);
    assert.match(out, /^> prod \(current\)\n {4}state: +Gated$/m);
    assert.ok(out.indexOf("  dev") < out.indexOf("> prod"), "pipeline order");
    assert.ok(out.includes(`      - ${GATED}\n`) && out.includes(`      - ${FROZEN}\n`), out);
  });

  it("prints the status as JSON with -o json", async () => {
    const result = await stagegateAs("alice", ["status", "payments", "-n", ns, "-o", "json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as ReleaseStatusReport;
    assert.equal(report.currentEnvironment, "prod");
    assert.deepEqual(
      report.environments.map((env) => [env.name, env.state, env.current]),
      [
        ["dev", "Verified", false],
        ["prod", "Gated", true],
      ],
    );
    assert.deepEqual(report.environments[1]?.reasons, [GATED, FROZEN]);
    assert.deepEqual(report.environments[0]?.timestamps, { deployedAt: T, verifiedAt: T });
  });

  it("fails with exit 1 and RBAC's Forbidden for mallory", async () => {
    const result = await stagegateAs("mallory", ["status", "payments", "-n", ns]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /refused to read Release "payments" \(Forbidden\): .*User "mallory" cannot get/,
    );
  });

  it("fails with exit 1 naming the Release and namespace when it does not exist", async () => {
    const result = await stagegateAs("alice", ["status", "missing", "-n", ns]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`no Release missing in namespace ${ns}`));
  });

  it("exits 2 without a RELEASE", async () => {
    const result = await stagegateAs("alice", ["status", "-n", ns]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /missing RELEASE/);
  });
});
