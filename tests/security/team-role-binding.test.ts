// A TeamRoleBinding binds a team's coordination roles once for every environment (ADR 0056). Whoever could write one
// could make himself the QA of any team and tick its checks, so only administrators may: no shipped role grants a
// write verb on it, and as a cluster-scoped kind no namespace RoleBinding can. A binding applies to a task only for
// the team, environment and namespace it names; the team a developer writes on a task (stagegate.io/team) only
// chooses among the teams an administrator bound to the task's namespace, and a binding for every namespace applies
// only where the Namespace's own label (administrators') names the team. Real API server, the shipped RBAC, the
// operator's webhooks, the operator as its process.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { teamRoleBindingKind } from "../../src/api/v1alpha1/team-role-binding.js";
import { resources, resourceOf } from "../../src/controllers/resources.js";
import { isForbidden } from "../../src/runtime/kube/api-error.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import type { IdentityName } from "../../hack/local-cluster/identities.js";
import { kubeconfigPath, testCluster } from "../support/cluster.js";
import { coreResources } from "../support/core-resources.js";
import { clientFor, waitFor } from "../support/kube.js";
import { requestToken } from "../support/service-account-token.js";
import { stagegateAs } from "../integration/cli/cli-helpers.js";
import {
  WAIT_MS,
  assertDenied,
  patchEnvironmentObserved,
  startGateWorld,
  type GateWorld,
} from "./gate-world.js";

const bindings = resourceOf(teamRoleBindingKind);
const rbac = (plural: string, kind: string) => ({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  plural,
  kind,
  namespaced: false,
});
interface Escalation {
  level: number;
  steps: { level: number; notified: { users: string[]; groups: string[] } }[];
}
const clusterRole = rbac("clusterroles", "ClusterRole");
const clusterRoleBinding = rbac("clusterrolebindings", "ClusterRoleBinding");

describe(
  "TeamRoleBindings: written by administrators only, applied only where they say",
  { timeout: 600_000 },
  () => {
    const id = randomBytes(3).toString("hex");
    const created: string[] = [];
    const clusterRbac: string[] = [];
    let world: GateWorld;
    let bob: KubeClient;
    const w = (): GateWorld => world;

    before(async () => {
      world = await startGateWorld("team-roles");
      bob = await clientFor("bob");
    });
    after(async () => {
      for (const name of created) await world?.admin.delete(bindings, name).catch(() => undefined);
      for (const name of clusterRbac) {
        await world?.admin.delete(clusterRoleBinding, name).catch(() => undefined);
        await world?.admin.delete(clusterRole, name).catch(() => undefined);
      }
      bob?.close();
      await world?.stop();
    });

    /** Creates a binding as the administrator; its name is unique to this file. */
    const bind = async (name: string, spec: Record<string, unknown>): Promise<void> => {
      const full = `${name}-${id}`;
      await w().admin.create(bindings, {
        apiVersion: "stagegate.io/v1alpha1",
        kind: "TeamRoleBinding",
        metadata: { name: full },
        spec,
      });
      created.push(full);
    };
    const holds = (role: string, user: string) => [{ role, members: [{ kind: "User", name: user }] }];

    const task = (name: string, role: string, team?: string) =>
      w().admin.create(
        resources.deploymentTask,
        {
          apiVersion: "stagegate.io/v1alpha1",
          kind: "DeploymentTask",
          metadata: { name, ...(team === undefined ? {} : { labels: { "stagegate.io/team": team } }) },
          spec: {
            type: "Coordination",
            title: `Coordinate ${name}`,
            environment: w().dev,
            owners: [{ kind: "Role", name: role }],
            checklist: [{ name: "done", description: "Do it." }],
          },
        },
        w().namespace,
      );
    const tick = (name: string) =>
      bob.patch(
        resources.deploymentTask,
        name,
        w().namespace,
        { spec: { checklist: [{ name: "done", description: "Do it.", state: "Done" }] } },
        { type: "merge" },
      );
    /** Waits until the webhooks let bob tick `name`: from then on they have seen every binding created before. */
    const tickOnceBound = (name: string) =>
      waitFor(
        `the webhooks to let bob tick ${name}`,
        async () => {
          await tick(name);
          return true;
        },
        { timeoutMs: WAIT_MS },
      );

    const forbidden = async (attempt: Promise<unknown>, what: string): Promise<void> => {
      const error = await attempt.then(
        () => assert.fail(`${what} was allowed`),
        (err: unknown) => err as Error,
      );
      assert.ok(isForbidden(error), `${what}: ${error.message}`);
      assert.match(error.message, /teamrolebindings/, what);
    };

    const attackers: IdentityName[] = ["bob", "dave", "mallory", "carol", "operator"];
    for (const who of attackers) {
      it(`refuses ${who} making himself a role holder by creating, patching or deleting a TeamRoleBinding`, async () => {
        if (who === "bob") await bind("victim", { team: "payments", roles: holds("QA", "alice") });
        const client = who === "bob" ? bob : await clientFor(who);
        const victim = `victim-${id}`;
        try {
          await forbidden(
            client.create(bindings, {
              apiVersion: "stagegate.io/v1alpha1",
              kind: "TeamRoleBinding",
              metadata: { name: `mine-${who}-${id}` },
              spec: { team: "payments", roles: holds("QA", who) },
            }),
            `${who} creating a TeamRoleBinding`,
          );
          await forbidden(
            client.patch(
              bindings,
              victim,
              undefined,
              { spec: { roles: holds("QA", who) } },
              { type: "merge" },
            ),
            `${who} patching a TeamRoleBinding`,
          );
          await forbidden(client.delete(bindings, victim), `${who} deleting a TeamRoleBinding`);
        } finally {
          if (who !== "bob") client.close();
        }
        const stored = await w().admin.get(bindings, victim);
        assert.deepEqual((stored.spec as { roles: unknown }).roles, holds("QA", "alice"));
      });
    }

    it("refuses a binding that does not parse, naming the field and what to write", async () => {
      const attempt = (name: string, spec: Record<string, unknown>) =>
        w().admin.create(bindings, {
          apiVersion: "stagegate.io/v1alpha1",
          kind: "TeamRoleBinding",
          metadata: { name: `${name}-${id}` },
          spec,
        });
      const refused = async (promise: Promise<unknown>, field: RegExp): Promise<void> => {
        const error = await promise.then(
          () => assert.fail("the binding was admitted"),
          (err: unknown) => err as Error,
        );
        assert.match(error.message, field, error.message);
      };
      await refused(
        attempt("bad-team", { team: "Payments Team", roles: holds("QA", "bob") }),
        /spec\.team.*lower-case letters, digits and .-.*for example payments/,
      );
      await refused(
        attempt("bad-role", { team: "payments", roles: holds("Janitor", "bob") }),
        /spec\.roles\[0\]\.role.*supported values: "ReleaseManager", "InfrastructureOwner"/,
      );
      await refused(attempt("no-roles", { team: "payments", roles: [] }), /spec\.roles.*at least 1/);
      await refused(
        attempt("no-namespaces", { team: "payments", namespaces: [], roles: holds("QA", "bob") }),
        /spec\.namespaces.*at least 1/,
      );
    });

    it("grants bob a QA task only through a binding of its team, environment and namespace, whatever he labels", async () => {
      await task("qa-check", "QA", "payments");
      await task("app-check", "ApplicationOwner", "payments");
      await task("probe", "Security", "payments");
      // Bindings that name bob, each wrong in one way, then one that gives bob Security for payments here.
      await bind("intruders-there", {
        team: "intruders",
        namespaces: [w().otherTeam],
        roles: holds("QA", "bob"),
      });
      await bind("intruders-everywhere", { team: "intruders", roles: holds("QA", "bob") });
      await bind("payments-elsewhere", {
        team: "payments",
        namespaces: [w().otherTeam],
        roles: holds("QA", "bob"),
      });
      await bind("payments-prod", {
        team: "payments",
        namespaces: [w().namespace],
        environments: [w().prod],
        roles: holds("QA", "bob"),
      });
      await bind("payments-labelled", {
        team: "payments",
        environments: [w().dev],
        roles: holds("ApplicationOwner", "bob"),
      });
      await bind("payments-security", {
        team: "payments",
        namespaces: [w().namespace],
        environments: [w().dev],
        roles: holds("Security", "bob"),
      });
      await tickOnceBound("probe");

      await assertDenied(tick("qa-check"), "NotTaskOwner", /only the task's owners \(Role QA\)/);
      // A binding for every namespace does not follow a task's label: this Namespace says no team yet.
      await assertDenied(tick("app-check"), "NotTaskOwner", /Role ApplicationOwner/);
      // bob relabels the task to the team whose every-namespace binding names him: still not his.
      await bob.patch(
        resources.deploymentTask,
        "qa-check",
        w().namespace,
        { metadata: { labels: { "stagegate.io/team": "intruders" } } },
        { type: "merge" },
      );
      await assertDenied(tick("qa-check"), "NotTaskOwner", /only the task's owners \(Role QA\)/);

      // An administrator says whose the namespace is: the every-namespace binding of payments applies; the
      // intruders' one still does not, though the task says intruders.
      await w().admin.patch(
        builtin.namespace,
        w().namespace,
        undefined,
        { metadata: { labels: { "stagegate.io/team": "payments" } } },
        { type: "merge" },
      );
      await tickOnceBound("app-check");
      await assertDenied(tick("qa-check"), "NotTaskOwner", /only the task's owners \(Role QA\)/);

      // `tasks --mine` shows what the bindings share with bob, before he has the QA role. He may not read the
      // Namespace, so the binding that applies by its label is not counted by the CLI, and it says so.
      const listed = await stagegateAs("bob", ["tasks", "--mine", "-n", w().namespace, "-o", "json"]);
      assert.equal(listed.code, 0, listed.stderr);
      const rows = JSON.parse(listed.stdout) as { name: string; ownership: string }[];
      assert.deepEqual(
        rows.map((r) => [r.name, r.ownership]),
        [["probe", "shared via role Security"]],
      );
      assert.match(
        listed.stderr,
        /you may not get the Namespace .*TeamRoleBindings\s+that apply by the namespace/s,
      );

      // The administrator binds bob as payments' QA for dev, here: now the task is his to tick.
      await bind("payments-qa", {
        team: "payments",
        namespaces: [w().namespace],
        environments: [w().dev],
        roles: holds("QA", "bob"),
      });
      await tickOnceBound("qa-check");
    });

    it("escalates a role-owned task to the Environment's holders and the team's TeamRoleBinding holders alike", async () => {
      await patchEnvironmentObserved(w(), w().dev, {
        roles: [{ role: "InfrastructureOwner", members: [{ kind: "User", name: "ivan" }] }],
        escalation: {
          tasks: [
            {
              roles: ["InfrastructureOwner"],
              sla: "1s",
              levels: [{ after: "0s", notify: { owners: true } }],
            },
          ],
        },
      });
      await bind("payments-infra", {
        team: "payments",
        namespaces: [w().namespace],
        environments: [w().dev],
        roles: [
          {
            role: "InfrastructureOwner",
            members: [
              { kind: "User", name: "erin" },
              { kind: "Group", name: `infra-${id}` },
            ],
          },
          { role: "CAB", members: [{ kind: "User", name: "bob" }] },
        ],
      });
      // The operator's cache holds the binding once its webhooks let bob tick a CAB task through it.
      await task("probe-cab", "CAB", "payments");
      await tickOnceBound("probe-cab");
      await task("infra", "InfrastructureOwner", "payments");
      const notified = await waitFor(
        "level 1 of infra",
        async () => {
          const task = await w().admin.get(resources.deploymentTask, "infra", w().namespace);
          const escalation = (task.status as { escalation?: Escalation } | undefined)?.escalation;
          return escalation?.level === 1 ? escalation.steps[0]?.notified : undefined;
        },
        { timeoutMs: WAIT_MS },
      );
      assert.deepEqual(
        { users: [...(notified?.users ?? [])].sort(), groups: notified?.groups },
        { users: ["erin", "ivan"], groups: [`infra-${id}`] },
      );
    });

    it("lists the rest but warns, naming the role to bind, when a user may read Environments but not TeamRoleBindings", async () => {
      await task("qa-old-viewer", "QA");
      // A ServiceAccount with an older environment-viewer (Environments only) and task rights in this namespace.
      const account = `old-viewer-${id}`;
      await w().admin.create(
        coreResources.serviceAccount,
        { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: account } },
        w().namespace,
      );
      const subject = { kind: "ServiceAccount", name: account, namespace: w().namespace };
      await w().admin.create(clusterRole, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: { name: account },
        rules: [
          { apiGroups: ["stagegate.io"], resources: ["environments"], verbs: ["get", "list", "watch"] },
        ],
      });
      clusterRbac.push(account);
      await w().admin.create(clusterRoleBinding, {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: account },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: account },
        subjects: [subject],
      });
      await w().admin.create(
        coreResources.roleBinding,
        {
          apiVersion: "rbac.authorization.k8s.io/v1",
          kind: "RoleBinding",
          metadata: { name: account },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "stagegate-viewer" },
          subjects: [subject],
        },
        w().namespace,
      );
      const token = await requestToken(w().admin, w().namespace, account);
      const admin = parse(await readText(kubeconfigPath("admin"))) as { clusters: unknown[] };
      const kubeconfig = join(testCluster().dir, `${account}.kubeconfig`);
      await writeFile(
        kubeconfig,
        stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: admin.clusters,
          users: [{ name: account, user: { token } }],
          contexts: [
            { name: account, context: { cluster: firstClusterName(admin.clusters), user: account } },
          ],
          "current-context": account,
        }),
        { mode: 0o600 },
      );
      const listed = await stagegateAs({ kubeconfig }, [
        "tasks",
        "--mine",
        "-n",
        w().namespace,
        "-o",
        "json",
      ]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.deepEqual(JSON.parse(listed.stdout), []);
      assert.match(listed.stderr, /may not get\/list TeamRoleBindings/);
      assert.doesNotMatch(listed.stderr, /may not get\/list Environments/);
      assert.match(listed.stderr, /cannot list resource "teamrolebindings"/);
      assert.match(listed.stderr, /task\(s\) owned by a coordination role \(.*QA.*\) are not listed/);
      assert.match(listed.stderr, /bind the ClusterRole stagegate-environment-viewer/);
    });
  },
);

async function readText(file: string): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  return readFile(file, "utf8");
}

function firstClusterName(clusters: unknown[]): string {
  const [first] = clusters as { name: string }[];
  if (first === undefined) throw new Error("the admin kubeconfig names no cluster");
  return first.name;
}
