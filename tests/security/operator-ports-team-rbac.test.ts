// Class 8, the shipped user roles: they are granted per team namespace (RoleBindings), so a release manager of
// team A is not one of every team. dave (release-managers) and bob (developers) work in team A's namespace; team
// B's namespace binds the same roles to team B's groups only. Every write dave, bob or alice (an approver of team
// A) tries in team B's namespace is refused by the API server's RBAC (Forbidden) and changes nothing. These requests
// never reach the operator: the API server's own audit log is where they are recorded.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { resources } from "../../src/controllers/resources.js";
import { isForbidden } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { kubectl } from "../support/cluster.js";
import { deleteIgnoringMissing } from "../support/controller-world.js";
import { clientFor, createTestNamespace } from "../support/kube.js";
import { createRelease } from "../support/release-world.js";

const TEAM_B = { approvers: ["team-b-approvers"], releaseManagers: ["team-b-release-managers"] };
const SHA = "7d7d7d7d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";

describe("class 8: the user roles are granted per team namespace", () => {
  let admin: KubeClient;
  let dave: KubeClient;
  let teamA = "";
  let teamB = "";
  let taskVersion = "";

  const release = { version: "1.0.0", revision: SHA, pipeline: ["prod"], targets: [] };

  before(async () => {
    admin = await clientFor("admin");
    dave = await clientFor("dave");
    teamA = await createTestNamespace(admin, "team-a");
    teamB = await createTestNamespace(admin, "team-b", TEAM_B);
    await createRelease({ admin, namespace: teamB }, "bank-1", release);
    const task = await admin.create(
      resources.deploymentTask,
      {
        apiVersion: "stagegate.io/v1alpha1",
        kind: "DeploymentTask",
        metadata: { name: "bank-1-prod-security-scan", namespace: teamB },
        spec: {
          type: "SecurityScan",
          title: "Scan bank-1",
          releaseRef: { name: "bank-1" },
          environment: "prod",
          owners: [{ kind: "Group", name: "team-b-security" }],
          checklist: [{ name: "scan-run", description: "Run the scan", state: "Pending" }],
        },
      },
      teamB,
    );
    taskVersion = task.metadata.resourceVersion ?? "";
  });
  after(async () => {
    dave?.close();
    if (admin !== undefined) {
      for (const ns of [teamA, teamB]) await deleteIgnoringMissing(admin, builtin.namespace, ns);
      admin.close();
    }
  });

  it("lets dave declare a release in his own team's namespace (the control: the role works there)", async () => {
    const created = await createRelease({ admin: dave, namespace: teamA }, "shop-1", release);
    assert.equal(created.metadata.namespace, teamA);
  });

  it("refuses dave creating a Release in team B's namespace", async () => {
    await assert.rejects(
      createRelease({ admin: dave, namespace: teamB }, "bank-2", release),
      (err: unknown) => {
        assert.ok(isForbidden(err), String(err));
        assert.match(
          String((err as Error).message),
          /releases.*forbidden|forbidden.*releases|cannot create/i,
        );
        return true;
      },
    );
    const { items } = await admin.list(resources.release, { namespace: teamB });
    assert.deepEqual(
      items.map((r) => r.metadata.name),
      ["bank-1"],
      "nothing was created in team B's namespace",
    );
  });

  for (const who of ["dave", "bob"] as const) {
    it(`refuses ${who} completing team B's task item, and the task is untouched`, async () => {
      const patch = JSON.stringify({ spec: { checklist: [{ name: "scan-run", state: "Done" }] } });
      const result = await kubectl(who, [
        "-n",
        teamB,
        "patch",
        "deploymenttask",
        "bank-1-prod-security-scan",
        "--type=merge",
        "-p",
        patch,
      ]);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /Forbidden.*cannot (get|patch) resource "deploymenttasks"/);
      const task = await admin.get(resources.deploymentTask, "bank-1-prod-security-scan", teamB);
      assert.equal(task.metadata.resourceVersion, taskVersion, "the task was not written");
    });
  }

  it("refuses alice, an approver of team A, deciding in team B's namespace", async () => {
    const result = await kubectl("alice", ["auth", "can-i", "patch", "approvals.stagegate.io", "-n", teamB]);
    assert.equal(result.stdout.trim(), "no");
    const own = await kubectl("alice", ["auth", "can-i", "patch", "approvals.stagegate.io", "-n", teamA]);
    assert.equal(own.stdout.trim(), "yes");
  });

  it("grants dave nothing cluster-wide: no listing every team's releases", async () => {
    const result = await kubectl("dave", ["get", "releases.stagegate.io", "--all-namespaces"]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /Forbidden.*cannot list resource "releases"/);
    const canCreate = await kubectl("dave", [
      "auth",
      "can-i",
      "create",
      "changerequests.stagegate.io",
      "-n",
      teamB,
    ]);
    assert.equal(canCreate.stdout.trim(), "no");
  });
});
