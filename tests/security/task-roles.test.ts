// Roles and shared ownership (issue 14, part 4): a task owned by a coordination role belongs to whoever holds that
// role in the task's Environment (spec.roles, written by platform engineers). dave (release manager of this namespace)
// may complete such a task only while he holds the role; he cannot give it to himself; `stagegate tasks --mine` lists
// what is his and what his roles share. Roles bound per team apply only in the team's namespaces, so relabelling
// work to another team makes that team's members owners of nothing. Real API server, the operator's webhooks, the
// operator as its process.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { resources } from "../../src/controllers/resources.js";
import { isAlreadyExists } from "../../src/runtime/kube/api-error.js";
import { clientFor, waitFor } from "../support/kube.js";
import { stagegateAs } from "../integration/cli/cli-helpers.js";
import {
  WAIT_MS,
  assertDenied,
  patchEnvironmentObserved,
  bindReleaseManager,
  startGateWorld,
  type GateWorld,
} from "./gate-world.js";

describe(
  "coordination roles own tasks, bound per environment by platform engineers",
  { timeout: 600_000 },
  () => {
    let world: GateWorld;
    const w = (): GateWorld => world;

    before(async () => {
      world = await startGateWorld("task-roles");
    });
    after(() => world?.stop());

    const bindRoles = (members: Record<string, unknown>[]): Promise<void> =>
      patchEnvironmentObserved(w(), w().dev, { roles: [{ role: "QA", members }] });

    const complete = () =>
      w().dave.patch(
        resources.deploymentTask,
        "smoke-tests",
        w().namespace,
        { spec: { checklist: [{ name: "run", description: "Run the smoke tests.", state: "Done" }] } },
        { type: "merge" },
      );

    it("refuses dave completing a QA task while QA is held by others, and he cannot bind himself", async () => {
      await bindRoles([{ kind: "Group", name: "qa-team" }]);
      await w().admin.create(
        resources.deploymentTask,
        {
          apiVersion: "stagegate.io/v1alpha1",
          kind: "DeploymentTask",
          metadata: { name: "smoke-tests" },
          spec: {
            type: "UserAcceptance",
            title: "Smoke-test the release in dev",
            environment: w().dev,
            owners: [{ kind: "Role", name: "QA" }],
            checklist: [{ name: "run", description: "Run the smoke tests." }],
          },
        },
        w().namespace,
      );
      await assertDenied(complete(), "NotTaskOwner", /only the task's owners \(Role QA\)/);
      await assertDenied(
        w().dave.patch(
          resources.environment,
          w().dev,
          undefined,
          { spec: { roles: [{ role: "QA", members: [{ kind: "User", name: "dave" }] }] } },
          { type: "merge" },
        ),
        "forbidden",
        /environments/,
      );
      const listed = await stagegateAs("dave", ["tasks", "--mine", "-n", w().namespace]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stderr, /No task in namespace .* is yours or shared with you/);
    });

    it("lets dave complete it once a platform engineer gives him the QA role, and lists it as shared", async () => {
      await bindRoles([{ kind: "User", name: "dave" }]);
      const listed = await stagegateAs("dave", ["tasks", "--mine", "-n", w().namespace, "-o", "json"]);
      assert.equal(listed.code, 0, listed.stderr);
      const rows = JSON.parse(listed.stdout) as { name: string; ownership: string }[];
      assert.deepEqual(
        rows.map((r) => [r.name, r.ownership]),
        [["smoke-tests", "shared via role QA"]],
      );
      await complete();
      await waitFor(
        "smoke-tests to succeed",
        async () => {
          const task = await w().admin.get(resources.deploymentTask, "smoke-tests", w().namespace);
          return (task.status as { phase?: string } | undefined)?.phase === "Succeeded" ? true : undefined;
        },
        { timeoutMs: WAIT_MS },
      );
    });

    it("binds roles per team for the team's namespaces: mallory relabelling the work to her team owns nothing", async () => {
      // mallory has edit rights on tasks in this namespace, and holds Security for her own team in her namespace.
      await bindReleaseManager(w().admin, w().namespace, "mallory");
      const holds = (name: string) => [{ role: "Security", members: [{ kind: "User", name }] }];
      await patchEnvironmentObserved(w(), w().dev, {
        teamRoles: [
          { team: "payments", namespaces: [w().namespace], roles: holds("dave") },
          { team: "intruders", namespaces: [w().otherTeam], roles: holds("mallory") },
        ],
      });
      await w().admin.create(
        resources.deploymentTask,
        {
          apiVersion: "stagegate.io/v1alpha1",
          kind: "DeploymentTask",
          metadata: { name: "pentest", labels: { "stagegate.io/team": "payments" } },
          spec: {
            type: "SecurityScan",
            title: "Pen-test the release in dev",
            environment: w().dev,
            owners: [{ kind: "Role", name: "Security" }],
            checklist: [{ name: "run", description: "Run the pen test." }],
          },
        },
        w().namespace,
      );
      const mallory = await clientFor("mallory");
      try {
        await mallory.patch(
          resources.deploymentTask,
          "pentest",
          w().namespace,
          { metadata: { labels: { "stagegate.io/team": "intruders" } } },
          { type: "merge" },
        );
        await assertDenied(
          mallory.patch(
            resources.deploymentTask,
            "pentest",
            w().namespace,
            { spec: { checklist: [{ name: "run", description: "Run the pen test.", state: "Done" }] } },
            { type: "merge" },
          ),
          "NotTaskOwner",
          /mallory may not complete/,
        );
      } finally {
        mallory.close();
      }
      const listed = await stagegateAs("dave", ["tasks", "--mine", "-n", w().namespace, "-o", "json"]);
      assert.equal(listed.code, 0, listed.stderr);
      const rows = JSON.parse(listed.stdout) as { name: string; ownership: string }[];
      assert.deepEqual(
        rows.filter((r) => r.name === "pentest").map((r) => r.ownership),
        ["shared via role Security"],
      );
      await w().dave.patch(
        resources.deploymentTask,
        "pentest",
        w().namespace,
        { spec: { checklist: [{ name: "run", description: "Run the pen test.", state: "Done" }] } },
        { type: "merge" },
      );
    });

    it("lists mallory's own and handed-over tasks though she may not list Environments, and says why Role tasks are missing", async () => {
      // mallory edits tasks in this namespace but has no stagegate-environment-viewer: Environments are closed to her.
      await bindReleaseManager(w().admin, w().namespace, "mallory").catch((err: unknown) => {
        if (!isAlreadyExists(err)) throw err;
      });
      const task = (name: string, owners: Record<string, string>[]) =>
        w().admin.create(
          resources.deploymentTask,
          {
            apiVersion: "stagegate.io/v1alpha1",
            kind: "DeploymentTask",
            metadata: { name },
            spec: {
              type: "Coordination",
              title: `Coordinate ${name}`,
              environment: w().dev,
              owners,
              checklist: [{ name: "done", description: "Do it." }],
            },
          },
          w().namespace,
        );
      await task("mallory-own", [{ kind: "User", name: "mallory" }]);
      await task("dave-hands-over", [{ kind: "User", name: "dave" }]);
      await task("qa-only", [{ kind: "Role", name: "QA" }]);
      const handed = await stagegateAs("dave", [
        "tasks",
        "handover",
        "dave-hands-over",
        "-n",
        w().namespace,
        "--to",
        "user:mallory",
        "--reason",
        "mallory runs the cutover",
      ]);
      assert.equal(handed.code, 0, handed.stderr);

      const json = await stagegateAs("mallory", [
        "tasks",
        "--mine",
        "--open",
        "-n",
        w().namespace,
        "-o",
        "json",
      ]);
      assert.equal(json.code, 0, json.stderr);
      const rows = JSON.parse(json.stdout) as { name: string; ownership: string }[];
      assert.deepEqual(
        rows.map((r) => [r.name, r.ownership]),
        [
          ["dave-hands-over", "mine"],
          ["mallory-own", "mine"],
        ],
      );
      assert.match(
        json.stderr,
        /role membership could not be read because you may not get\/list Environments/,
      );
      assert.match(json.stderr, /cannot list resource "environments"/);
      assert.match(json.stderr, /1 task\(s\) owned by a coordination role \(QA\) are not listed/);
      assert.match(json.stderr, /bind the ClusterRole stagegate-environment-viewer/);

      const table = await stagegateAs("mallory", ["tasks", "--mine", "--open", "-n", w().namespace]);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /^mallory-own\s.*\smine\s*$/m);
      assert.match(table.stdout, /^dave-hands-over\s.*\smine\s*$/m);
      assert.doesNotMatch(table.stdout, /qa-only/);
      assert.match(table.stderr, /stagegate-environment-viewer/);

      // dave may list Environments: no warning, and the QA task is shared with him (he holds QA since the test above).
      const daves = await stagegateAs("dave", [
        "tasks",
        "--mine",
        "--open",
        "-n",
        w().namespace,
        "-o",
        "json",
      ]);
      assert.equal(daves.code, 0, daves.stderr);
      assert.doesNotMatch(daves.stderr, /role membership could not be read/);
      const his = JSON.parse(daves.stdout) as { name: string; ownership: string }[];
      assert.deepEqual(
        his.filter((r) => r.name === "qa-only").map((r) => r.ownership),
        ["shared via role QA"],
      );
    });

    it("refuses a Role owner that names no coordination role, naming the choices", async () => {
      await assertDenied(
        w().admin.create(
          resources.deploymentTask,
          {
            apiVersion: "stagegate.io/v1alpha1",
            kind: "DeploymentTask",
            metadata: { name: "bad-role" },
            spec: {
              type: "Coordination",
              title: "Nobody",
              environment: w().dev,
              owners: [{ kind: "Role", name: "Janitor" }],
            },
          },
          w().namespace,
        ),
        "owners",
        /a Role owner names one of ReleaseManager, InfrastructureOwner, ApplicationOwner, QA, Security or CAB/,
      );
    });
  },
);
