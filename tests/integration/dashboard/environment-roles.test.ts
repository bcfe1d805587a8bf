// The dashboard's "waiting for me" view reads who holds roles with the signed-in user's own client: Environments and
// TeamRoleBindings (the shipped stagegate-environment-viewer reads both), and the team label of the task namespaces
// when a binding applies through it. What the user may not read is a notice, never a guess. Real API server and RBAC.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { resources } from "../../../src/controllers/resources.js";
import { environmentRoles } from "../../../src/dashboard/environment-roles.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { clientFor, createTestNamespace } from "../../support/kube.js";

describe("the dashboard reads role holders with the user's rights", { timeout: 60_000 }, () => {
  const id = randomBytes(3).toString("hex");
  const names = [`everywhere-${id}`, `here-${id}`];
  let admin: KubeClient;
  let namespace = "";

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "dashboard-roles");
    await admin.patch(
      builtin.namespace,
      namespace,
      undefined,
      { metadata: { labels: { "stagegate.io/team": `team-${id}` } } },
      { type: "merge" },
    );
    const qa = [{ role: "QA", members: [{ kind: "User", name: "bob" }] }];
    await admin.create(resources.teamRoleBinding, {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "TeamRoleBinding",
      metadata: { name: names[0] },
      spec: { team: `team-${id}`, roles: qa },
    });
    await admin.create(resources.teamRoleBinding, {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "TeamRoleBinding",
      metadata: { name: names[1] },
      spec: { team: `team-${id}`, namespaces: [namespace], roles: qa },
    });
  });
  after(async () => {
    for (const name of names) await admin?.delete(resources.teamRoleBinding, name).catch(() => undefined);
    await admin?.delete(builtin.namespace, namespace).catch(() => undefined);
    admin?.close();
  });

  const ours = (teams: { team: string }[]) => teams.filter((t) => t.team === `team-${id}`).length;

  it("reads bindings and the namespace's team for someone who may read them all", async () => {
    const read = await environmentRoles(admin, [namespace]);
    assert.equal(ours(read.teams), 2);
    assert.equal(read.namespaceTeams.get(namespace), `team-${id}`);
    assert.deepEqual(read.notices, []);
  });

  it("reads bindings with stagegate-environment-viewer, and says which Namespace it may not read", async () => {
    const bob = await clientFor("bob");
    try {
      const read = await environmentRoles(bob, [namespace]);
      assert.equal(ours(read.teams), 2);
      assert.equal(read.namespaceTeams.get(namespace), undefined);
      assert.equal(read.notices.length, 1, read.notices.join("\n"));
      assert.match(
        read.notices[0] ?? "",
        new RegExp(`may not get the Namespace ${namespace}: .*stagegate\\.io/team`),
      );
    } finally {
      bob.close();
    }
  });

  it("shows nobody a role through bindings they may not list, and says how to fix it", async () => {
    const mallory = await clientFor("mallory");
    try {
      const read = await environmentRoles(mallory, [namespace]);
      assert.deepEqual(read.teams, []);
      assert.equal(read.roles.size, 0);
      const notices = read.notices.join("\n");
      assert.match(notices, /list Environments/);
      assert.match(notices, /list TeamRoleBindings.*a TeamRoleBinding gives you are not shown/s);
      assert.match(notices, /bind the ClusterRole stagegate-environment-viewer/);
    } finally {
      mallory.close();
    }
  });
});
