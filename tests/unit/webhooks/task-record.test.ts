import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { UserInfo } from "../../../src/webhooks/admission-review.js";
import { isOperatorMark } from "../../../src/webhooks/task-record.js";
import { validateDeploymentTask } from "../../../src/webhooks/task-webhooks.js";
import {
  admissionRequest,
  admitTaskWrite,
  NOW,
  rollbackTaskObject,
  testContext,
  users,
  type TaskObject,
} from "./admission-fixtures.js";

const OPERATOR: UserInfo = { username: "stagegate-operator", groups: [] };
const STAMP = NOW.toISOString().replace(".000Z", "Z");
const SEALED = {
  "stagegate.io/rollback-origin": "Alert",
  "stagegate.io/rollback-policy": "Manual",
  "stagegate.io/rollback-seal": "a".repeat(64),
  "stagegate.io/rollback": "ManualRollbackRequested",
  team: "shop",
};
const NOTICE = {
  time: "2029-12-31T23:00:00Z",
  author: "stagegate",
  kind: "Comment",
  message: "Rollback owner dave: roll shop back from revision b to a; then mark item rolled-back Done.",
};

type Task = TaskObject;

/** The Rollback task an alert opened, with the operator's seal, its step and its notice, as stored. */
const sealedTask = (): Task => rollbackTaskObject({ ...SEALED }, { log: [NOTICE] });

/** Runs a write through both webhooks as the API server does, with the operator known by name. */
async function admit(user: UserInfo, after: Task, before?: Task) {
  const { ctx, audit } = testContext({});
  ctx.operatorUsername = OPERATOR.username;
  return { ...(await admitTaskWrite(ctx, user, after, before)), audit };
}

const ruleOf = (message: string | undefined): string | undefined => message?.split(":")[0];

function edited(change: (task: Task) => void): Task {
  const copy = structuredClone(sealedTask());
  change(copy);
  return copy;
}

describe("The operator's record on a task: its marks, and a log that only grows", () => {
  it("names the rollback and drift-check annotations as the operator's marks, and no others", () => {
    for (const key of Object.keys(SEALED).filter((k) => k !== "team")) assert.ok(isOperatorMark(key), key);
    for (const key of [
      "stagegate.io/rollback-task",
      "stagegate.io/rollback-validation",
      "stagegate.io/drift-check",
    ]) {
      assert.ok(isOperatorMark(key), key);
    }
    for (const key of ["stagegate.io/rollbacks", "stagegate.io/created-by", "team", "example.com/rollback"]) {
      assert.equal(isOperatorMark(key), false, key);
    }
  });

  const denied: { name: string; rule: string; field: RegExp; change: (task: Task) => void }[] = [
    {
      name: "bob strips the seal (the operator would refuse its own task)",
      rule: "OperatorMarkReserved",
      field: /metadata\.annotations\[stagegate\.io\/rollback-seal\]/,
      change: (t) => delete t.metadata.annotations?.["stagegate.io/rollback-seal"],
    },
    {
      name: "bob rewrites the step the operator took",
      rule: "OperatorMarkReserved",
      field: /metadata\.annotations\[stagegate\.io\/rollback\] is/,
      change: (t) => ((t.metadata.annotations ?? {})["stagegate.io/rollback"] = "RollbackSucceeded"),
    },
    {
      name: "bob types a step in before the operator records one",
      rule: "OperatorMarkReserved",
      field: /rollback-started-at/,
      change: (t) => ((t.metadata.annotations ?? {})["stagegate.io/rollback-started-at"] = STAMP),
    },
    {
      name: "bob sets the drift check's verdict",
      rule: "OperatorMarkReserved",
      field: /stagegate\.io\/drift-check/,
      change: (t) => ((t.metadata.annotations ?? {})["stagegate.io/drift-check"] = "InSync"),
    },
    {
      name: "bob rewords the operator's notice",
      rule: "LogRewritten",
      field: /spec\.log\[0\] was changed/,
      change: (t) => (t.spec.log = [{ ...NOTICE, message: "No rollback needed." }]),
    },
    {
      name: "bob removes the operator's notice",
      rule: "LogRewritten",
      field: /spec\.log\[0\] was removed/,
      change: (t) => (t.spec.log = []),
    },
  ];
  for (const row of denied) {
    it(`${row.rule}: ${row.name}`, async () => {
      const { response, audit } = await admit(users.bob, edited(row.change), sealedTask());
      assert.equal(response.allowed, false);
      assert.equal(ruleOf(response.status?.message), row.rule, response.status?.message);
      assert.match(response.status?.message ?? "", row.field);
      assert.deepEqual(
        audit.entries.map((e) => [e.action, e.actor]),
        [["AdmissionDenied", "bob"]],
      );
    });
  }

  it("stamps a person's new entry with their name and the server's time, whatever was typed", async () => {
    const typed = edited((t) =>
      t.spec.log?.push({
        time: "2020-01-01T00:00:00Z",
        author: "stagegate",
        kind: "Comment",
        message: "Rolled back.",
      }),
    );
    const { response, object } = await admit(users.bob, typed, sealedTask());
    assert.equal(response.allowed, true, response.status?.message);
    assert.deepEqual(object.spec.log?.[0], NOTICE, "the operator's notice is kept as it was");
    assert.deepEqual(object.spec.log?.[1], {
      time: STAMP,
      author: "bob",
      kind: "Comment",
      message: "Rolled back.",
    });
  });

  it("reads a log without stamps as a manifest's: its own entries kept as stored, new ones appended", async () => {
    const BOBS = {
      time: "2029-12-31T23:30:00Z",
      author: "bob",
      kind: "Comment",
      message: "Smoke tests planned.",
    };
    const stored = edited((t) => t.spec.log?.push(BOBS));
    const declared = (messages: string[]) =>
      edited((t) => (t.spec.log = messages.map((message) => ({ kind: "Comment", message }))));
    const same = await admit(users.bob, declared(["Smoke tests planned."]), stored);
    assert.equal(same.response.allowed, true, same.response.status?.message);
    assert.deepEqual(same.object.spec.log, [NOTICE, BOBS], "an applied manifest changes nothing on record");
    const grown = await admit(users.bob, declared(["Smoke tests passed.", "Smoke tests planned."]), stored);
    assert.equal(grown.response.allowed, true, grown.response.status?.message);
    assert.deepEqual(grown.object.spec.log, [
      NOTICE,
      BOBS,
      { time: STAMP, author: "bob", kind: "Comment", message: "Smoke tests passed." },
    ]);
    const others = await admit(users.carol, declared(["Smoke tests planned."]), stored);
    assert.equal(others.response.allowed, true, others.response.status?.message);
    assert.deepEqual(
      others.object.spec.log?.map((e) => e.author),
      ["stagegate", "bob", "carol"],
      "an entry matches only one its writer wrote: carol's copy of bob's words is hers",
    );
    const notice = await admit(users.bob, declared([NOTICE.message]), stored);
    assert.deepEqual(
      notice.object.spec.log?.slice(2),
      [{ time: STAMP, author: "bob", kind: "Comment", message: NOTICE.message }],
      "the operator's notice is never taken as bob's",
    );
  });

  it("refuses an entry signed in another's name past the mutating webhook (LogEntryForged)", async () => {
    const { ctx } = testContext({});
    ctx.operatorUsername = OPERATOR.username;
    const forged = edited((t) =>
      t.spec.log?.push({ time: STAMP, author: "stagegate", message: "Rolled back." }),
    );
    const response = await validateDeploymentTask(
      admissionRequest({
        kind: "DeploymentTask",
        operation: "UPDATE",
        user: users.bob,
        object: forged,
        oldObject: sealedTask(),
      }),
      ctx,
    );
    assert.equal(ruleOf(response.status?.message), "LogEntryForged");
    assert.match(response.status?.message ?? "", /spec\.log\[1\] is signed "stagegate"/);
  });

  it("refuses a new task whose log is signed in another's name past the mutating webhook", async () => {
    const { ctx } = testContext({});
    ctx.operatorUsername = OPERATOR.username;
    const own = edited((t) => {
      t.metadata.annotations = {};
      t.spec.owners = [{ kind: "User", name: "bob" }];
    });
    const response = await validateDeploymentTask(
      admissionRequest({ kind: "DeploymentTask", operation: "CREATE", user: users.bob, object: own }),
      ctx,
    );
    assert.equal(ruleOf(response.status?.message), "LogEntryForged");
  });

  it("lets a person change what is theirs to change (a label) and leaves the operator's writes alone", async () => {
    const labelled = edited((t) => ((t.metadata.annotations ?? {}).team = "payments"));
    assert.equal((await admit(users.bob, labelled, sealedTask())).response.allowed, true);
    const stepped = edited((t) => {
      (t.metadata.annotations ?? {})["stagegate.io/rollback"] = "RollbackSucceeded";
      t.spec.log = [];
    });
    const { response, object } = await admit(OPERATOR, stepped, sealedTask());
    assert.equal(response.allowed, true, "the operator's own writes are not judged");
    assert.deepEqual(object.spec.log, [], "nor stamped");
  });
});

describe("Cancelling a task is its owners' decision", () => {
  it("refuses bob cancelling dave's Rollback task (it would no longer be acted on), and lets dave", async () => {
    const cancelled = edited((t) => (t.spec.cancelled = true));
    const { response } = await admit(users.bob, cancelled, sealedTask());
    assert.equal(ruleOf(response.status?.message), "NotTaskOwner");
    assert.match(
      response.status?.message ?? "",
      /bob may not cancel this task \(spec\.cancelled\).*User dave/,
    );
    const dave = { username: "dave", groups: ["release-managers", "system:authenticated"] };
    assert.equal((await admit(dave, cancelled, sealedTask())).response.allowed, true);
    const resumed = await admit(users.bob, sealedTask(), cancelled);
    assert.match(resumed.response.status?.message ?? "", /bob may not resume this task/);
  });
});
