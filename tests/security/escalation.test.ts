// SLAs and escalation chains as object state (issue 14, part 6): when a task's SLA is breached, its Environment's
// chain moves level by level, each level stored in the task's status with whom it notified and when, the next level's
// time in `kubectl get`, one audit entry per level (what notifications are sent from), a Warning event and a metric.
// dave owns the task and tries to postpone the escalation by moving its due date; the Environment's SLA holds. A task
// owned by a role takes that role's chain (ADR 0049), and an acknowledgement stops notifying its owners, not the SLA.
// Real API server, the operator's webhooks, the operator as its process.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { resources } from "../../src/controllers/resources.js";
import { scrapeMetric } from "../support/e2e-operator.js";
import { kubectl } from "../support/cluster.js";
import { waitFor } from "../support/kube.js";
import { stagegateAs } from "../integration/cli/cli-helpers.js";
import {
  SHA_A,
  WAIT_MS,
  argoTarget,
  auditEntries,
  createApplication,
  daveCreatesRelease,
  startGateWorld,
  waitForAudit,
  waitForEntry,
  type GateWorld,
  patchEnvironmentObserved,
  syncWhenAsked,
} from "./gate-world.js";

interface Escalation {
  breachedAt?: string;
  level: number;
  steps: { level: number; at: string; notified: { users: string[]; groups: string[] } }[];
  nextAt?: string;
}

describe("escalation chains as object state", { timeout: 600_000 }, () => {
  let world: GateWorld;
  const w = (): GateWorld => world;

  before(async () => {
    world = await startGateWorld("escalation");
    await patchEnvironmentObserved(w(), w().prod, {
      escalation: {
        approvals: {
          sla: "2s",
          levels: [
            { after: "0s", notify: { owners: true } },
            { after: "5s", notify: { releaseManager: true, cab: true } },
          ],
        },
      },
    });
    await patchEnvironmentObserved(w(), w().dev, {
      escalation: {
        tasks: [
          {
            types: ["Coordination"],
            sla: "3s",
            levels: [
              { after: "0s", notify: { owners: true } },
              { after: "6s", notify: { groups: ["payments-leads"], cab: true } },
            ],
          },
          {
            // Listed after the Coordination chain: a chain naming a task's owning role still takes precedence.
            roles: ["Security"],
            sla: "2s",
            levels: [
              { after: "0s", notify: { owners: true } },
              { after: "20s", notify: { owners: true, groups: ["security-leads"] } },
            ],
          },
        ],
      },
      roles: [{ role: "Security", members: [{ kind: "User", name: "dave" }] }],
    });
  });
  after(() => world?.stop());

  const escalationOf = async (name: string): Promise<Escalation | undefined> =>
    (
      (await w().admin.get(resources.deploymentTask, name, w().namespace)).status as {
        escalation?: Escalation;
      }
    )?.escalation;

  it("escalates level by level past dave's own due date, recording each level once", async () => {
    // dave owns the task and sets its due date a year out: the Environment's 3s SLA is what the chain counts from.
    const dueAt = new Date(Date.now() + 365 * 86_400_000).toISOString().replace(/\.\d+Z$/, "Z");
    await w().dave.create(
      resources.deploymentTask,
      {
        apiVersion: "stagegate.io/v1alpha1",
        kind: "DeploymentTask",
        metadata: { name: "cutover-plan" },
        spec: {
          type: "Coordination",
          title: "Agree the cutover plan with the payments team",
          environment: w().dev,
          owners: [{ kind: "User", name: "dave" }],
          dueAt,
          checklist: [{ name: "agreed", description: "The plan is agreed." }],
        },
      },
      w().namespace,
    );
    // Level 1 at the breach: the owners; the next level's time is on the object and in kubectl get.
    const first = await waitFor(
      "level 1 of the chain",
      async () => {
        const e = await escalationOf("cutover-plan");
        return e?.level === 1 ? e : undefined;
      },
      { timeoutMs: WAIT_MS },
    );
    assert.deepEqual(first.steps[0]?.notified, { users: ["dave"], groups: [] });
    assert.ok(first.nextAt !== undefined, "the next level's time is visible");
    assert.equal(Date.parse(first.nextAt) - Date.parse(first.breachedAt ?? ""), 6_000);
    const table = await kubectl("admin", ["get", "deploymenttasks", "cutover-plan", "-n", w().namespace]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /ESCALATION\s+NEXT-ESCALATION/);
    assert.ok(table.stdout.includes(first.nextAt), table.stdout);

    // Level 2: the leads and the CAB.
    const second = await waitFor(
      "level 2 of the chain",
      async () => {
        const e = await escalationOf("cutover-plan");
        return e?.level === 2 ? e : undefined;
      },
      { timeoutMs: WAIT_MS },
    );
    assert.deepEqual(second.steps[1]?.notified, { users: [], groups: ["cab", "payments-leads"] });
    assert.equal(second.nextAt, undefined, "no level remains");

    await waitForAudit(
      w(),
      "TaskEscalated",
      (e) => e.object.name === "cutover-plan" && e.details.level === 2,
    );
    // However many passes saw the levels (resyncs, conflicts), each is on record exactly once.
    await new Promise((r) => setTimeout(r, 3_000));
    const levels = auditEntries(w())
      .filter((e) => e.action === "TaskEscalated" && e.object.name === "cutover-plan")
      .map((e) => [e.details.level, e.details.notify]);
    assert.deepEqual(levels, [
      [1, { users: ["dave"], groups: [] }],
      [2, { users: [], groups: ["cab", "payments-leads"] }],
    ]);
    const events = await kubectl("admin", [
      "get",
      "events",
      "-n",
      w().namespace,
      "--field-selector",
      "reason=Escalated",
      "-o",
      "jsonpath={.items[*].message}",
    ]);
    assert.match(events.stdout, /escalation level 2 notifies group cab, group payments-leads/);
    const counted = await scrapeMetric(w().operator.metrics, "stagegate_escalations_total", {
      kind: "task",
      level: "2",
    });
    assert.equal(counted, 1);
  });

  it("stops escalating once the work is done, keeping the levels reached", async () => {
    await w().dave.create(
      resources.deploymentTask,
      {
        apiVersion: "stagegate.io/v1alpha1",
        kind: "DeploymentTask",
        metadata: { name: "comms" },
        spec: {
          type: "Coordination",
          title: "Tell customers",
          environment: w().dev,
          owners: [{ kind: "User", name: "dave" }],
          checklist: [{ name: "sent", description: "The notice is sent." }],
        },
      },
      w().namespace,
    );
    await waitFor(
      "level 1 of comms",
      async () => ((await escalationOf("comms"))?.level === 1 ? true : undefined),
      { timeoutMs: WAIT_MS },
    );
    await w().dave.patch(
      resources.deploymentTask,
      "comms",
      w().namespace,
      { spec: { checklist: [{ name: "sent", description: "The notice is sent.", state: "Done" }] } },
      { type: "merge" },
    );
    const done = await waitFor(
      "comms to succeed with its escalation closed",
      async () => {
        const e = await escalationOf("comms");
        return e !== undefined && e.nextAt === undefined ? e : undefined;
      },
      { timeoutMs: WAIT_MS },
    );
    assert.ok(done.level >= 1);
    await new Promise((r) => setTimeout(r, 8_000));
    assert.equal((await escalationOf("comms"))?.level, done.level, "no level after the work was done");
  });

  it("gives a task owned by the Security role Security's SLA, and stops notifying owners once acknowledged", async () => {
    const created = await w().admin.create(
      resources.deploymentTask,
      {
        apiVersion: "stagegate.io/v1alpha1",
        kind: "DeploymentTask",
        metadata: { name: "threat-model" },
        spec: {
          type: "Coordination",
          title: "Review the threat model",
          environment: w().dev,
          owners: [{ kind: "Role", name: "Security" }],
          checklist: [{ name: "reviewed", description: "The threat model is reviewed." }],
        },
      },
      w().namespace,
    );
    const first = await waitFor(
      "level 1 of threat-model",
      async () => {
        const e = await escalationOf("threat-model");
        return e?.level === 1 ? e : undefined;
      },
      { timeoutMs: WAIT_MS },
    );
    // Security's 2s SLA, not the Coordination chain's 3s; level 1 reaches dave through the role.
    const createdAt = Date.parse(created.metadata.creationTimestamp ?? "");
    assert.equal(Date.parse(first.breachedAt ?? "") - createdAt, 2_000);
    assert.deepEqual(first.steps[0]?.notified, { users: ["dave"], groups: [] });
    const acked = await stagegateAs("dave", ["tasks", "ack", "threat-model", "-n", w().namespace]);
    assert.equal(acked.code, 0, acked.stderr);
    const second = await waitFor(
      "level 2 of threat-model",
      async () => {
        const e = await escalationOf("threat-model");
        return e?.level === 2 ? e : undefined;
      },
      { timeoutMs: WAIT_MS },
    );
    // Acknowledged: the owners are not notified again, the leads still are, and the SLA still counted.
    assert.deepEqual(second.steps[1]?.notified, { users: [], groups: ["security-leads"] });
  });

  it("escalates an approval waiting past its SLA to the approvers, then the release manager and the CAB", async () => {
    await createApplication(w(), "slow-dev", w().dev);
    await createApplication(w(), "slow-prod", w().prod);
    await daveCreatesRelease(w(), "slow", {
      version: "1.0.0",
      revision: SHA_A,
      pipeline: [w().dev, w().prod],
      targets: [argoTarget(w(), w().dev, "slow-dev"), argoTarget(w(), w().prod, "slow-prod")],
    });
    await syncWhenAsked(w(), "slow-dev");
    await waitForEntry(w(), "slow", w().prod, (e) => e.state === "Gated");
    const approval = await waitFor(
      "the Approval of slow's prod change to reach level 2",
      async () => {
        const { items } = await w().admin.list(resources.approval, { namespace: w().namespace });
        return items.find(
          (a) => (a.status as { escalation?: Escalation } | undefined)?.escalation?.level === 2,
        );
      },
      { timeoutMs: WAIT_MS },
    );
    const escalation = (approval.status as { escalation: Escalation }).escalation;
    assert.deepEqual(
      escalation.steps.map((s) => [s.level, s.notified]),
      [
        [1, { users: [], groups: ["approvers"] }],
        [2, { users: ["dave"], groups: ["cab"] }],
      ],
    );
    await waitForAudit(
      w(),
      "ApprovalEscalated",
      (e) => e.object.name === approval.metadata.name && e.details.level === 2,
    );
    const entries = auditEntries(w()).filter(
      (e) => e.action === "ApprovalEscalated" && e.object.name === approval.metadata.name,
    );
    assert.deepEqual(
      entries.map((e) => e.details.level),
      [1, 2],
      "each level once",
    );
  });
});
