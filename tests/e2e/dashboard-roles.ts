// "Waiting for me" in the browser for tasks shared through a coordination role (an Environment's spec.roles), as
// `stagegate tasks --mine` lists them. Attack first: a person who may not read Environments is told so and sees no
// task on the strength of a role nobody could read. Then the role's holder finds the task, marked as shared via the
// role, and someone who holds another role does not.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { API_VERSION } from "../../src/api/v1alpha1/group.js";
import { resources } from "../../src/controllers/resources.js";
import type { ResourceType } from "../../src/runtime/kube/resource.js";
import { text, texts } from "./dashboard-pages.js";
import type { DashboardWorld } from "./dashboard-world.js";

const clusterRoleBinding: ResourceType = {
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural: "clusterrolebindings",
  kind: "ClusterRoleBinding",
  namespaced: false,
};

/** Registers the role-shared tasks' tests on the shared dashboard world. */
export function roleTaskTests(world: () => DashboardWorld): void {
  describe("tasks shared through a coordination role", () => {
    let environment = "";
    let binding = "";
    const task = (name: string) => `[data-task="${world().team}/${name}"]`;

    before(async () => {
      const w = world();
      environment = `roles-${w.people}`;
      binding = `stagegate-dashboard-env-viewer-${w.people}`;
      await w.admin.create(resources.environment, {
        apiVersion: API_VERSION,
        kind: "Environment",
        metadata: { name: environment },
        spec: {
          roles: [
            { role: "QA", members: [{ kind: "User", name: w.usernames.approver }] },
            { role: "Security", members: [{ kind: "User", name: w.usernames.manager }] },
          ],
        },
      });
      for (const [name, role] of [
        ["qa-signoff", "QA"],
        ["security-review", "Security"],
      ] as const) {
        await w.admin.create(
          resources.deploymentTask,
          {
            apiVersion: API_VERSION,
            kind: "DeploymentTask",
            metadata: { name, namespace: w.team },
            spec: {
              type: "Checklist",
              title: `${role} sign-off`,
              owners: [{ kind: "Role", name: role }],
              environment,
            },
          },
          w.team,
        );
      }
      // The approver may read Environments (the shipped stagegate-environment-viewer); the author may not.
      await w.admin.create(clusterRoleBinding, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: binding },
        roleRef: {
          apiGroup: "rbac.authorization.k8s.io",
          kind: "ClusterRole",
          name: "stagegate-environment-viewer",
        },
        subjects: [
          { kind: "ServiceAccount", namespace: w.people, name: "approver" },
          { kind: "ServiceAccount", namespace: w.people, name: "manager" },
        ],
      });
    });

    after(async () => {
      const w = world();
      await w.admin.delete(clusterRoleBinding, binding).catch(() => undefined);
      await w.admin.delete(resources.environment, environment).catch(() => undefined);
    });

    it("someone who may not read Environments is told so, and no task is shown as theirs through a role", async () => {
      const w = world();
      const { context, page } = await w.signedIn("author");
      await page.goto(`${w.url}/waiting`);
      assert.equal(await page.$(task("qa-signoff")), null);
      assert.equal(await page.$(task("security-review")), null);
      const notices = (await texts(page, ".notice")).join("\n");
      assert.match(notices, /list Environments/);
      assert.match(notices, /Tasks shared with you through a coordination role are not shown/);
      assert.match(notices, /bind the ClusterRole stagegate-environment-viewer/);
      await context.close();
    });

    it("the role's holder finds the task shared via the role; the holder of another role does not", async () => {
      const w = world();
      const approver = await w.signedIn("approver");
      await approver.page.goto(`${w.url}/waiting`);
      assert.notEqual(await approver.page.$(task("qa-signoff")), null, "the QA task waits for QA's holder");
      assert.equal(await text(approver.page, `${task("qa-signoff")} .owned`), "shared via role QA");
      assert.equal(await approver.page.$(task("security-review")), null, "Security is someone else's role");
      assert.doesNotMatch((await texts(approver.page, ".notice")).join("\n"), /list Environments/);
      await approver.context.close();

      const manager = await w.signedIn("manager");
      await manager.page.goto(`${w.url}/waiting`);
      assert.equal(await text(manager.page, `${task("security-review")} .owned`), "shared via role Security");
      assert.equal(await manager.page.$(task("qa-signoff")), null);
      await manager.context.close();
    });
  });
}
