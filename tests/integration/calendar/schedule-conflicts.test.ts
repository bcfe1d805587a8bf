// Schedule conflicts on the real API server: the schedule controllers put ScheduleConflict on both objects of a
// clash (overlapping changes, a task due after the window it prepares, a window inside a freeze), clear it when
// the clash goes, and write nothing for objects whose condition already says what it should.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { API_VERSION } from "../../../src/api/v1alpha1/group.js";
import type { Condition } from "../../../src/api/v1alpha1/condition.js";
import { createScheduleControllers } from "../../../src/controllers/schedule/controller.js";
import { resources } from "../../../src/controllers/resources.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import type { ResourceType } from "../../../src/runtime/kube/resource.js";
import { builtin } from "../../../src/runtime/kube/resource.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";
import { MemoryAudit } from "../../support/memory-audit.js";
import { runControllers, type RunningControllers } from "../../support/run-controllers.js";

const conflictOf = (obj: KubeObject): Condition | undefined =>
  ((obj.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find(
    (c) => c.type === "ScheduleConflict",
  );

describe("schedule conflicts as conditions", () => {
  let admin: KubeClient;
  let ns = "";
  let running: RunningControllers;
  const env = `cal-prod-${randomBytes(3).toString("hex")}`;

  async function plan(
    name: string,
    start: string,
    end: string,
    environment = env,
    release = name,
  ): Promise<void> {
    await admin.create(
      resources.changeRequest,
      {
        apiVersion: API_VERSION,
        kind: "ChangeRequest",
        metadata: { name },
        spec: {
          releaseRef: { name: release },
          environment,
          type: "Normal",
          justification: "Calendar test.",
          plannedWindow: { start, end },
        },
      },
      ns,
    );
  }

  async function conditionOn(
    rt: ResourceType,
    name: string,
    want: (c: Condition | undefined) => boolean,
  ): Promise<KubeObject> {
    return waitFor(`the ScheduleConflict condition of ${name}`, async () => {
      const obj = await admin.get(rt, name, ns);
      return want(conflictOf(obj)) ? obj : undefined;
    });
  }

  before(async () => {
    admin = await clientFor("admin");
    ns = await createTestNamespace(admin, "calendar");
    await admin.create(resources.environment, {
      apiVersion: API_VERSION,
      kind: "Environment",
      metadata: { name: env },
      spec: {
        gate: {
          freezes: [
            {
              name: "year-end",
              start: "2027-12-20T00:00:00Z",
              end: "2028-01-04T00:00:00Z",
              reason: "holidays",
            },
          ],
        },
      },
    });
    running = await runControllers({
      namespace: ns,
      audit: new MemoryAudit(),
      controllers: (deps, informers) => createScheduleControllers(deps, informers),
    });
  });

  after(async () => {
    await running?.stop();
    await admin.delete(resources.environment, env).catch(() => undefined);
    await admin.delete(builtin.namespace, ns).catch(() => undefined);
    admin.close();
  });

  it("marks both overlapping changes, naming the other and the overlap, and clears both when one moves", async () => {
    await plan("first", "2027-06-01T10:00:00Z", "2027-06-01T12:00:00Z");
    await plan("second", "2027-06-01T11:00:00Z", "2027-06-01T13:00:00Z");
    const first = await conditionOn(resources.changeRequest, "first", (c) => c?.status === "True");
    const second = await conditionOn(resources.changeRequest, "second", (c) => c?.status === "True");
    assert.equal(conflictOf(first)?.reason, "OverlappingChange");
    assert.match(
      conflictOf(first)?.message ?? "",
      new RegExp(
        `ChangeRequest ${ns}/second is planned for the same environment ${env} and overlaps this change from 2027-06-01T11:00:00Z to 2027-06-01T12:00:00Z`,
      ),
    );
    assert.match(conflictOf(second)?.message ?? "", new RegExp(`ChangeRequest ${ns}/first `));

    // A change elsewhere that clashes with nothing of theirs: once the controller has seen it (its own pair is
    // marked), the first two were not written again.
    await plan("third", "2027-07-01T10:00:00Z", "2027-07-01T12:00:00Z");
    await plan("fourth", "2027-07-01T11:00:00Z", "2027-07-01T12:00:00Z");
    await conditionOn(resources.changeRequest, "fourth", (c) => c?.status === "True");
    await conditionOn(resources.changeRequest, "third", (c) => c?.status === "True");
    const firstAgain = await admin.get(resources.changeRequest, "first", ns);
    assert.equal(
      firstAgain.metadata.resourceVersion,
      first.metadata.resourceVersion,
      "no write without a change",
    );

    // Deleting one of a pair clears the other.
    await admin.delete(resources.changeRequest, "fourth", ns);
    const alone = await conditionOn(resources.changeRequest, "third", (c) => c?.status === "False");
    assert.equal(conflictOf(alone)?.reason, "NoConflict");

    // Move the second change out of the way: both conditions turn False.
    const moved = await admin.get(resources.changeRequest, "second", ns);
    await admin.update(resources.changeRequest, {
      ...moved,
      spec: {
        ...(moved.spec as object),
        plannedWindow: { start: "2027-06-02T10:00:00Z", end: "2027-06-02T11:00:00Z" },
      },
    });
    const cleared = await conditionOn(resources.changeRequest, "first", (c) => c?.status === "False");
    assert.equal(conflictOf(cleared)?.reason, "NoConflict");
    await conditionOn(resources.changeRequest, "second", (c) => c?.status === "False");
  });

  it("marks a change planned inside a freeze with the freeze's name and reason", async () => {
    await plan("frozen", "2027-12-24T10:00:00Z", "2027-12-24T11:00:00Z");
    const frozen = await conditionOn(resources.changeRequest, "frozen", (c) => c?.status === "True");
    assert.equal(conflictOf(frozen)?.reason, "PlannedInFreeze");
    assert.match(conflictOf(frozen)?.message ?? "", /freeze year-end \(holidays\)/);
  });

  it("marks a task due after the window it prepares, and the change, on both objects", async () => {
    await plan("with-prep", "2027-08-01T10:00:00Z", "2027-08-01T12:00:00Z", env, "rel-prep");
    await admin.create(
      resources.deploymentTask,
      {
        apiVersion: API_VERSION,
        kind: "DeploymentTask",
        metadata: { name: "late-prep" },
        spec: {
          type: "Checklist",
          title: "Prepare the database migration",
          releaseRef: { name: "rel-prep" },
          environment: env,
          dueAt: "2027-08-01T11:00:00Z",
        },
      },
      ns,
    );
    const task = await conditionOn(resources.deploymentTask, "late-prep", (c) => c?.status === "True");
    assert.equal(conflictOf(task)?.reason, "DueAfterWindow");
    assert.match(
      conflictOf(task)?.message ?? "",
      new RegExp(`ChangeRequest ${ns}/with-prep starts at 2027-08-01T10:00:00Z`),
    );
    const change = await conditionOn(resources.changeRequest, "with-prep", (c) => c?.status === "True");
    assert.match(conflictOf(change)?.message ?? "", new RegExp(`DeploymentTask ${ns}/late-prep`));
  });
});
