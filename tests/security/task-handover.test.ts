// Acknowledging and handing over a task (issue 14 part 4, ADR 0049), attacked first: mallory (edit on tasks in this
// namespace, owner of nothing) tries to take, widen and acknowledge bob's task; bob hands it to the QA role and then
// tries to keep working it; history cannot be rewritten. Real API server, the operator's webhooks and audit trail,
// the operator as its own process, the CLI as each person.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { clientFor, waitFor } from "../support/kube.js";
import { stagegateAs } from "../integration/cli/cli-helpers.js";
import {
  WAIT_MS,
  assertDenied,
  auditEntries,
  patchEnvironmentObserved,
  bindReleaseManager,
  startGateWorld,
  waitForAudit,
  type GateWorld,
} from "./gate-world.js";

const TASK = "cutover";

interface HandoverSpec {
  owners: { kind: string; name: string }[];
  acknowledgement?: { by: string; at: string };
  handovers: { to: { kind: string; name: string }; by: string; at: string; reason?: string }[];
  checklist: { name: string; state: string; completedBy?: string }[];
}

describe(
  "a task is acknowledged and handed over only by its current owners, stamped by the server",
  { timeout: 600_000 },
  () => {
    let world: GateWorld;
    let bob: KubeClient;
    let mallory: KubeClient;
    const w = (): GateWorld => world;

    const spec = async (): Promise<HandoverSpec> =>
      (await w().admin.get(resources.deploymentTask, TASK, w().namespace)).spec as HandoverSpec;
    const patchAs = (client: KubeClient, patch: Record<string, unknown>) =>
      client.patch(resources.deploymentTask, TASK, w().namespace, { spec: patch }, { type: "merge" });
    const denialOf = (actor: string, rule: string) =>
      auditEntries(w()).find(
        (e) =>
          e.action === "AdmissionDenied" && e.actor === actor && JSON.stringify(e.details).includes(rule),
      );

    before(async () => {
      world = await startGateWorld("task-handover");
      await bindReleaseManager(w().admin, w().namespace, "mallory");
      await patchEnvironmentObserved(w(), w().dev, {
        roles: [{ role: "QA", members: [{ kind: "User", name: "dave" }] }],
      });
      [bob, mallory] = await Promise.all([clientFor("bob"), clientFor("mallory")]);
      // Opened by the operator's own identity, as Stagegate opens coordination work: bob owns it.
      const operator = await clientFor("operator");
      try {
        await operator.create(
          resources.deploymentTask,
          {
            apiVersion: "stagegate.io/v1alpha1",
            kind: "DeploymentTask",
            metadata: { name: TASK },
            spec: {
              type: "Coordination",
              title: "Plan the cutover",
              environment: w().dev,
              owners: [{ kind: "User", name: "bob" }],
              checklist: [{ name: "plan", description: "Write the cutover plan." }],
            },
          },
          w().namespace,
        );
      } finally {
        operator.close();
      }
    });
    after(async () => {
      bob?.close();
      mallory?.close();
      await world?.stop();
    });

    it("refuses mallory handing bob's task to herself, and records the refusal", async () => {
      await assertDenied(
        patchAs(mallory, { handovers: [{ to: { kind: "User", name: "mallory" } }] }),
        "NotTaskOwner",
        /mallory may not hand the task over: only the task's current owners \(User bob\)/,
      );
      await waitFor("mallory's refusal on record", () => denialOf("mallory", "NotTaskOwner"), {
        timeoutMs: WAIT_MS,
      });
      assert.deepEqual((await spec()).handovers, []);
    });

    it("refuses mallory widening the operator-opened ownership, by hand-over or by owners", async () => {
      await assertDenied(
        patchAs(mallory, { handovers: [{ to: { kind: "Group", name: "system:authenticated" } }] }),
        "NotTaskOwner",
        /current owners \(User bob\)/,
      );
      await assertDenied(
        patchAs(mallory, {
          owners: [
            { kind: "User", name: "bob" },
            { kind: "User", name: "mallory" },
          ],
        }),
        "TaskFieldImmutable",
        /spec\.owners cannot be changed/,
      );
    });

    it("refuses mallory acknowledging in bob's name (a forged acknowledgedBy)", async () => {
      await assertDenied(
        patchAs(mallory, {
          acknowledgement: { by: "bob", at: new Date().toISOString().replace(/\.\d+Z$/, "Z") },
        }),
        "NotTaskOwner",
        /mallory may not acknowledge the task/,
      );
      assert.equal((await spec()).acknowledgement, undefined);
    });

    it("lets bob acknowledge with the CLI, stamped as his, on record, and refuses rewriting the stamp", async () => {
      const acked = await stagegateAs("bob", ["tasks", "ack", TASK, "-n", w().namespace]);
      assert.equal(acked.code, 0, acked.stderr);
      assert.match(acked.stdout, /acknowledged by bob at /);
      const stored = (await spec()).acknowledgement;
      assert.equal(stored?.by, "bob");
      const entry = await waitForAudit(w(), "TaskAcknowledged", (e) => e.object.name === TASK);
      assert.equal(entry.actor, "bob");
      assert.equal(entry.details.acknowledgedAt, stored?.at);
      await assertDenied(
        patchAs(bob, { acknowledgement: { by: "alice", at: stored?.at } }),
        "AcknowledgementForged",
        /is not edited or withdrawn/,
      );
      await assertDenied(
        patchAs(bob, { acknowledgement: null }),
        "AcknowledgementForged",
        /only cleared by a hand-over/,
      );
      assert.deepEqual((await spec()).acknowledgement, stored);
    });

    it("lets bob hand it to the QA role with the CLI: stamped, acknowledgement cleared, on record", async () => {
      const handed = await stagegateAs("bob", [
        "tasks",
        "handover",
        TASK,
        "-n",
        w().namespace,
        "--to",
        "role:qa",
        "--reason",
        "on leave",
      ]);
      assert.equal(handed.code, 0, handed.stderr);
      assert.match(handed.stdout, /handed over from user:bob to role:QA by bob/);
      const stored = await spec();
      assert.equal(stored.acknowledgement, undefined);
      assert.deepEqual(
        stored.handovers.map((h) => [h.to.kind, h.to.name, h.by, h.reason]),
        [["Role", "QA", "bob", "on leave"]],
      );
      assert.deepEqual(stored.owners, [{ kind: "User", name: "bob" }], "spec.owners stays as opened");
      const entry = await waitForAudit(w(), "TaskHandedOver", (e) => e.object.name === TASK);
      assert.equal(entry.actor, "bob");
      assert.deepEqual(entry.details.to, { kind: "Role", name: "QA" });
      assert.deepEqual(entry.details.from, [{ kind: "User", name: "bob" }]);
    });

    it("refuses bob, the old owner, completing the handed-over task or taking it back", async () => {
      await assertDenied(
        patchAs(bob, {
          checklist: [{ name: "plan", description: "Write the cutover plan.", state: "Done" }],
        }),
        "NotTaskOwner",
        /only the task's owners \(Role QA\)/,
      );
      const back = await stagegateAs("bob", [
        "tasks",
        "handover",
        TASK,
        "-n",
        w().namespace,
        "--to",
        "user:bob",
      ]);
      assert.notEqual(back.code, 0);
      assert.match(back.stderr, /NotTaskOwner/);
    });

    it("refuses dave, the QA role holder, rewriting the history to hide bob's hand-over", async () => {
      const stored = await spec();
      const rewritten = stored.handovers.map((h) => ({ ...h, by: "carol" }));
      await assertDenied(
        patchAs(w().dave, { handovers: rewritten }),
        "HandoverHistoryImmutable",
        /spec\.handovers is a history/,
      );
    });

    it("lists it as dave's through the role, and lets him complete it", async () => {
      const listed = await stagegateAs("dave", ["tasks", "--mine", "-n", w().namespace, "-o", "json"]);
      assert.equal(listed.code, 0, listed.stderr);
      const rows = JSON.parse(listed.stdout) as { name: string; ownership: string }[];
      assert.deepEqual(
        rows.map((r) => [r.name, r.ownership]),
        [[TASK, "shared via role QA"]],
      );
      const bobs = await stagegateAs("bob", ["tasks", "--mine", "-n", w().namespace]);
      assert.match(bobs.stderr, /No task in namespace .* is yours or shared with you/);
      await patchAs(w().dave, {
        checklist: [{ name: "plan", description: "Write the cutover plan.", state: "Done" }],
      });
      await waitFor(
        `${TASK} to succeed`,
        async () => {
          const task = await w().admin.get(resources.deploymentTask, TASK, w().namespace);
          return (task.status as { phase?: string } | undefined)?.phase === "Succeeded" ? true : undefined;
        },
        { timeoutMs: WAIT_MS },
      );
      assert.equal((await spec()).checklist[0]?.completedBy, "dave");
    });
  },
);
