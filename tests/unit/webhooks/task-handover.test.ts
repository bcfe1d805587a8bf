// Acknowledging and handing over a DeploymentTask (issue 14 part 4, ADR 0049): who and when are the server's stamps,
// only a current owner acts, the history only grows, and ownership moves with the last hand-over.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DeploymentTaskSpec } from "../../../src/api/v1alpha1/deployment-task.js";
import { EnvironmentSpec } from "../../../src/api/v1alpha1/environment.js";
import { HANDOVER_HISTORY } from "../../../src/api/v1alpha1/task-handover.js";
import { parseOwnerFlag } from "../../../src/cli/verbs/task-handover.js";
import { taskHandoverAudit } from "../../../src/controllers/deployment-task/handover-audit.js";
import { currentOwners } from "../../../src/policy/task-ownership.js";
import type { AdmissionRequest, UserInfo } from "../../../src/webhooks/admission-review.js";
import { checkTaskWrite } from "../../../src/webhooks/task-rules.js";
import { TaskView } from "../../../src/webhooks/task-view.js";
import { mutateDeploymentTask, validateDeploymentTask } from "../../../src/webhooks/task-webhooks.js";
import { applyPatch, NOW, patchOf, testContext, users } from "./admission-fixtures.js";

const STAMP = NOW.toISOString().replace(".000Z", "Z");
const EARLIER = "2029-12-31T09:00:00Z";
const mallory: UserInfo = { username: "mallory", groups: ["developers-other", "system:authenticated"] };
const quinn: UserInfo = { username: "quinn", groups: ["qa-team", "system:authenticated"] };

type Task = Record<string, unknown> & { spec: Record<string, unknown> };

/** An unbound Coordination task in dev, owned by bob, as the API server sends it (defaults applied). */
function task(spec: Record<string, unknown> = {}): Task {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "DeploymentTask",
    metadata: { name: "cutover", namespace: "team-a", uid: "uid-cutover" },
    spec: {
      type: "Coordination",
      title: "Plan the cutover",
      environment: "dev",
      owners: [{ kind: "User", name: "bob" }],
      checklist: [{ name: "plan", required: true, requiresEvidence: false, state: "Pending" }],
      handovers: [],
      ...spec,
    },
  };
}

const withSpec = (base: Task, spec: Record<string, unknown>): Task => ({
  ...structuredClone(base),
  spec: { ...structuredClone(base.spec), ...spec },
});

const environments = {
  dev: EnvironmentSpec.parse({ roles: [{ role: "QA", members: [{ kind: "Group", name: "qa-team" }] }] }),
};

function request(user: UserInfo, object: Task, oldObject?: Task): AdmissionRequest {
  return {
    uid: "review-1",
    kind: { group: "stagegate.io", version: "v1alpha1", kind: "DeploymentTask" },
    resource: { group: "stagegate.io", version: "v1alpha1", resource: "deploymenttasks" },
    name: "cutover",
    namespace: "team-a",
    operation: oldObject === undefined ? "CREATE" : "UPDATE",
    userInfo: user,
    object,
    oldObject: oldObject ?? null,
    dryRun: false,
  };
}

/** Runs a write through both webhooks as the API server does: mutate, apply the patch, validate. */
async function admit(user: UserInfo, after: Task, before?: Task) {
  const { ctx, audit } = testContext(environments);
  const mutated = await mutateDeploymentTask(request(user, after, before), ctx);
  assert.equal(mutated.allowed, true);
  const object = applyPatch(after, patchOf(mutated)) as Task;
  const response = await validateDeploymentTask(request(user, object, before), ctx);
  return { response, object, audit };
}

const ruleOf = (message: string | undefined): string | undefined => message?.split(":")[0];

const handedToQa = withSpec(task(), {
  handovers: [{ to: { kind: "Role", name: "QA" }, by: "bob", at: EARLIER }],
});
const acked = withSpec(task(), { acknowledgement: { by: "bob", at: EARLIER } });

describe("acknowledging and handing over a task through both webhooks", () => {
  const rows: { name: string; user: UserInfo; after: Task; before?: Task; rule?: string }[] = [
    {
      name: "the owner acknowledges",
      user: users.bob,
      after: withSpec(task(), { acknowledgement: {} }),
      before: task(),
    },
    {
      name: "the owner acknowledges typing someone else's name: the server's stamp replaces it",
      user: users.bob,
      after: withSpec(task(), { acknowledgement: { by: "alice", at: EARLIER } }),
      before: task(),
    },
    {
      name: "mallory (no owner) acknowledges in bob's name",
      user: mallory,
      after: withSpec(task(), { acknowledgement: { by: "bob", at: STAMP } }),
      before: task(),
      rule: "NotTaskOwner",
    },
    {
      name: "mallory rewrites who acknowledged",
      user: mallory,
      after: withSpec(acked, { acknowledgement: { by: "mallory", at: EARLIER } }),
      before: acked,
      rule: "AcknowledgementForged",
    },
    {
      name: "the owner withdraws the acknowledgement",
      user: users.bob,
      after: withSpec(acked, { acknowledgement: undefined }),
      before: acked,
      rule: "AcknowledgementForged",
    },
    {
      name: "the owner repeats the acknowledgement without stamps (kept as it was)",
      user: users.bob,
      after: withSpec(acked, { acknowledgement: {} }),
      before: acked,
    },
    {
      name: "the owner hands over to the QA role",
      user: users.bob,
      after: withSpec(task(), { handovers: [{ to: { kind: "Role", name: "QA" } }] }),
      before: task(),
    },
    {
      name: "mallory hands bob's task to herself",
      user: mallory,
      after: withSpec(task(), { handovers: [{ to: { kind: "User", name: "mallory" } }] }),
      before: task(),
      rule: "NotTaskOwner",
    },
    {
      name: "mallory widens it to every authenticated user",
      user: mallory,
      after: withSpec(task(), { handovers: [{ to: { kind: "Group", name: "system:authenticated" } }] }),
      before: task(),
      rule: "NotTaskOwner",
    },
    {
      name: "bob, the old owner, hands back a task he handed to QA",
      user: users.bob,
      after: withSpec(handedToQa, {
        handovers: [...(handedToQa.spec.handovers as unknown[]), { to: { kind: "User", name: "bob" } }],
      }),
      before: handedToQa,
      rule: "NotTaskOwner",
    },
    {
      name: "a QA member hands it on",
      user: quinn,
      after: withSpec(handedToQa, {
        handovers: [...(handedToQa.spec.handovers as unknown[]), { to: { kind: "User", name: "dave" } }],
      }),
      before: handedToQa,
    },
    {
      name: "a QA member rewrites the history to hide bob's hand-over",
      user: quinn,
      after: withSpec(handedToQa, {
        handovers: [{ to: { kind: "Role", name: "QA" }, by: "carol", at: EARLIER }],
      }),
      before: handedToQa,
      rule: "HandoverHistoryImmutable",
    },
    {
      name: "the owner appends two hand-overs at once",
      user: users.bob,
      after: withSpec(task(), {
        handovers: [{ to: { kind: "User", name: "dave" } }, { to: { kind: "User", name: "erin" } }],
      }),
      before: task(),
      rule: "HandoverHistoryImmutable",
    },
    {
      name: "bob completes an item of the task he handed to QA",
      user: users.bob,
      after: withSpec(handedToQa, { checklist: [{ name: "plan", required: true, state: "Done" }] }),
      before: handedToQa,
      rule: "NotTaskOwner",
    },
    {
      name: "a QA member completes it",
      user: quinn,
      after: withSpec(handedToQa, { checklist: [{ name: "plan", required: true, state: "Done" }] }),
      before: handedToQa,
    },
    {
      name: "a person creates a task with a hand-over already in it",
      user: users.bob,
      after: withSpec(task(), { handovers: [{ to: { kind: "User", name: "dave" } }] }),
      rule: "HandoverForged",
    },
  ];
  for (const row of rows) {
    it(`${row.rule === undefined ? "admits" : `refuses (${row.rule})`}: ${row.name}`, async () => {
      const { response, audit } = await admit(row.user, row.after, row.before);
      assert.equal(response.allowed, row.rule === undefined, response.status?.message);
      if (row.rule !== undefined) {
        assert.equal(ruleOf(response.status?.message), row.rule);
        assert.equal(audit.entries[0]?.action, "AdmissionDenied");
        assert.equal(audit.entries[0]?.actor, row.user.username);
      }
    });
  }

  it("stamps the acknowledgement with the request's user and the webhook's clock, whatever was typed", async () => {
    const typed = withSpec(task(), { acknowledgement: { by: "alice", at: EARLIER } });
    const { object } = await admit(users.bob, typed, task());
    assert.deepEqual(object.spec.acknowledgement, { by: "bob", at: STAMP });
  });

  it("stamps a hand-over and clears the acknowledgement the new owner has not given", async () => {
    const typed = withSpec(acked, {
      handovers: [{ to: { kind: "Role", name: "QA" }, by: "carol", at: EARLIER }],
    });
    const { response, object } = await admit(users.bob, typed, acked);
    assert.equal(response.allowed, true, response.status?.message);
    assert.deepEqual(object.spec.handovers, [{ to: { kind: "Role", name: "QA" }, by: "bob", at: STAMP }]);
    assert.equal(object.spec.acknowledgement, undefined);
  });

  it(`keeps the last ${String(HANDOVER_HISTORY)} hand-overs, dropping the oldest`, async () => {
    const full = Array.from({ length: HANDOVER_HISTORY }, (_, i) => ({
      to: { kind: "User", name: i % 2 === 0 ? "dave" : "bob" },
      by: i % 2 === 0 ? "bob" : "dave",
      at: EARLIER,
    }));
    const before = withSpec(task(), { handovers: full });
    const after = withSpec(before, { handovers: [...full, { to: { kind: "User", name: "erin" } }] });
    const { response, object } = await admit(users.bob, after, before);
    assert.equal(response.allowed, true, response.status?.message);
    const kept = object.spec.handovers as { to: { name: string }; by: string }[];
    assert.equal(kept.length, HANDOVER_HISTORY);
    assert.deepEqual(kept.at(-1), { to: { kind: "User", name: "erin" }, by: "bob", at: STAMP });
    assert.deepEqual(kept.slice(0, -1), full.slice(1));
  });
});

describe("the validating webhook backs the stamps on its own (the mutating webhook skipped)", () => {
  const judge = (user: UserInfo, after: Task, before: Task) =>
    checkTaskWrite({
      before: TaskView.parse(before),
      after: TaskView.parse(after),
      user,
      now: NOW,
      completed: [],
      automated: new Set(),
      roles: environments.dev.roles,
    });
  const rows: { name: string; user: UserInfo; after: Task; before: Task; rule?: string }[] = [
    {
      name: "an acknowledgement typed in another owner's name",
      user: users.bob,
      after: withSpec(task(), { acknowledgement: { by: "alice", at: STAMP } }),
      before: task(),
      rule: "AcknowledgementForged",
    },
    {
      name: "an acknowledgement backdated",
      user: users.bob,
      after: withSpec(task(), { acknowledgement: { by: "bob", at: EARLIER } }),
      before: task(),
      rule: "AcknowledgementForged",
    },
    {
      name: "an acknowledgement stamped as the server would",
      user: users.bob,
      after: withSpec(task(), { acknowledgement: { by: "bob", at: STAMP } }),
      before: task(),
    },
    {
      name: "a hand-over typed in another owner's name",
      user: users.bob,
      after: withSpec(task(), { handovers: [{ to: { kind: "User", name: "dave" }, by: "dave", at: STAMP }] }),
      before: task(),
      rule: "HandoverForged",
    },
    {
      name: "a hand-over without stamps",
      user: users.bob,
      after: withSpec(task(), { handovers: [{ to: { kind: "User", name: "dave" } }] }),
      before: task(),
      rule: "HandoverForged",
    },
    {
      name: "a hand-over that keeps the acknowledgement",
      user: users.bob,
      after: withSpec(acked, { handovers: [{ to: { kind: "User", name: "dave" }, by: "bob", at: STAMP }] }),
      before: acked,
      rule: "AcknowledgementForged",
    },
    {
      name: "a hand-over dropping an old entry while the list is below the bound",
      user: quinn,
      after: withSpec(handedToQa, {
        handovers: [{ to: { kind: "User", name: "dave" }, by: "quinn", at: STAMP }],
      }),
      before: handedToQa,
      rule: "HandoverHistoryImmutable",
    },
  ];
  for (const row of rows) {
    it(`${row.rule === undefined ? "admits" : `refuses (${row.rule})`}: ${row.name}`, () => {
      const verdict = judge(row.user, row.after, row.before);
      assert.equal(verdict.allowed, row.rule === undefined);
      if (!verdict.allowed) assert.equal(verdict.rule, row.rule);
    });
  }
});

describe("who owns a task after hand-overs, and what the audit trail says", () => {
  it("takes the last hand-over's owner, else the opened owners", () => {
    const spec = DeploymentTaskSpec.parse(handedToQa.spec);
    assert.deepEqual(currentOwners(spec), [{ kind: "Role", name: "QA" }]);
    assert.deepEqual(currentOwners(DeploymentTaskSpec.parse(task().spec)), [{ kind: "User", name: "bob" }]);
  });

  it("records each hand-over and the acknowledgement once, by the stamped user", () => {
    const spec = DeploymentTaskSpec.parse({
      ...handedToQa.spec,
      handovers: [
        ...(handedToQa.spec.handovers as unknown[]),
        { to: { kind: "User", name: "dave" }, by: "quinn", at: STAMP },
      ],
      acknowledgement: { by: "dave", at: STAMP },
    });
    const entries = taskHandoverAudit({
      metadata: { name: "cutover", namespace: "team-a", uid: "u1" },
      spec,
    });
    assert.deepEqual(
      entries.map((e) => [e.action, e.actor, e.details.to ?? e.details.owners]),
      [
        ["TaskHandedOver", "bob", { kind: "Role", name: "QA" }],
        ["TaskHandedOver", "quinn", { kind: "User", name: "dave" }],
        ["TaskAcknowledged", "dave", [{ kind: "User", name: "dave" }]],
      ],
    );
    assert.deepEqual(entries[1]?.details.from, [{ kind: "Role", name: "QA" }]);
    assert.equal(new Set(entries.map((e) => e.transition)).size, 3);
  });
});

describe("stagegate tasks handover --to", () => {
  it("reads user:, group: and role: (any letter case for the role), and refuses anything else", () => {
    assert.deepEqual(parseOwnerFlag("user:dave"), { kind: "User", name: "dave" });
    assert.deepEqual(parseOwnerFlag("group:qa-team"), { kind: "Group", name: "qa-team" });
    assert.deepEqual(parseOwnerFlag("role:security"), { kind: "Role", name: "Security" });
    assert.throws(() => parseOwnerFlag("role:janitor"), /must be one of ReleaseManager/);
    assert.throws(() => parseOwnerFlag("dave"), /write user:NAME, group:NAME or role:NAME/);
    assert.throws(() => parseOwnerFlag("user:"), /write user:NAME/);
  });
});
