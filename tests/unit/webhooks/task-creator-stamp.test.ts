import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checklistFor } from "../../../src/controllers/release/checklists.js";
import { createRollbackSeal } from "../../../src/controllers/rollback/seal.js";
import {
  CREATED_AT_ANNOTATION,
  CREATED_BY_ANNOTATION,
  CREATOR_SEAL_ANNOTATION,
  provenCreator,
} from "../../../src/controllers/task-creator.js";
import type { AdmissionRequest, UserInfo } from "../../../src/webhooks/admission-review.js";
import { mutateDeploymentTask, validateDeploymentTask } from "../../../src/webhooks/task-webhooks.js";
import { applyPatch, NOW, patchOf, testContext, users } from "./admission-fixtures.js";

const OPERATOR: UserInfo = { username: "system:serviceaccount:stagegate-system:stagegate", groups: [] };
const seal = createRollbackSeal(Buffer.alloc(32, 3));
const STAMP_TIME = NOW.toISOString().replace(".000Z", "Z");

type Task = Record<string, unknown> & { metadata: Record<string, unknown> };

/** A hand-made Rollback task of release shop in prod, owned by dave, with `annotations`. */
function rollbackTask(
  annotations: Record<string, string> = {},
  metadata: Record<string, unknown> = {},
): Task {
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "DeploymentTask",
    metadata: { name: "shop-prod-rollback", namespace: "team-a", annotations, ...metadata },
    spec: {
      type: "Rollback",
      title: "Roll back shop in prod",
      releaseRef: { name: "shop" },
      environment: "prod",
      owners: [{ kind: "User", name: "dave" }],
      checklist: checklistFor("Rollback").map((item) => ({ ...item, state: "Pending" })),
    },
  };
}

function request(
  operation: "CREATE" | "UPDATE",
  user: UserInfo,
  object: Task,
  oldObject?: Task,
): AdmissionRequest {
  return {
    uid: "review-1",
    kind: { group: "stagegate.io", version: "v1alpha1", kind: "DeploymentTask" },
    resource: { group: "stagegate.io", version: "v1alpha1", resource: "deploymenttasks" },
    name: "shop-prod-rollback",
    namespace: "team-a",
    operation,
    userInfo: user,
    object,
    oldObject: oldObject ?? null,
    dryRun: false,
  };
}

/** Mutate, apply the patch, validate, as the API server does; then "store" the task (creation time, uid). */
async function admit(user: UserInfo, after: Task, before?: Task) {
  const { ctx, audit } = testContext();
  ctx.operatorUsername = OPERATOR.username;
  ctx.creatorSeal = seal.creators;
  const operation = before === undefined ? "CREATE" : "UPDATE";
  const mutated = await mutateDeploymentTask(request(operation, user, after, before), ctx);
  assert.equal(mutated.allowed, true);
  const object = applyPatch(after, patchOf(mutated)) as Task;
  const response = await validateDeploymentTask(request(operation, user, object, before), ctx);
  const stored = {
    ...object,
    metadata: { creationTimestamp: STAMP_TIME, uid: "uid-task", ...object.metadata },
  } as unknown as Task & { metadata: { name: string } };
  return { response, object, stored, audit };
}

const annotationsOf = (task: Task) => (task.metadata.annotations ?? {}) as Record<string, string>;
const dave: UserInfo = { username: "dave", groups: ["release-managers", "system:authenticated"] };

describe("the creator stamp of DeploymentTasks at admission", () => {
  it("stamps the creating user on CREATE, sealed, and the operator believes it", async () => {
    const { response, object, stored } = await admit(dave, rollbackTask());
    assert.equal(response.allowed, true);
    assert.equal(annotationsOf(object)[CREATED_BY_ANNOTATION], "dave");
    assert.equal(annotationsOf(object)[CREATED_AT_ANNOTATION], STAMP_TIME);
    assert.match(annotationsOf(object)[CREATOR_SEAL_ANNOTATION] ?? "", /^[0-9a-f]{64}$/);
    assert.deepEqual(provenCreator(seal.creators, stored), { proven: true, creator: "dave" });
  });

  it("overwrites a stamp bob typed naming the rollback owner, keeping his other annotations", async () => {
    const forged = rollbackTask({
      [CREATED_BY_ANNOTATION]: "dave",
      [CREATED_AT_ANNOTATION]: STAMP_TIME,
      [CREATOR_SEAL_ANNOTATION]: "a".repeat(64),
      "team.example.com/ticket": "OPS-1",
    });
    const { response, object, stored } = await admit(users.bob, forged);
    assert.equal(response.allowed, true);
    assert.equal(annotationsOf(object)[CREATED_BY_ANNOTATION], "bob");
    assert.equal(annotationsOf(object)["team.example.com/ticket"], "OPS-1");
    assert.deepEqual(provenCreator(seal.creators, stored), { proven: true, creator: "bob" });
  });

  it("stamps the operator's own creates with the operator's identity", async () => {
    const { object } = await admit(OPERATOR, rollbackTask());
    assert.equal(annotationsOf(object)[CREATED_BY_ANNOTATION], OPERATOR.username);
  });

  it("binds a task created with generateName by its prefix", async () => {
    const { object } = await admit(dave, rollbackTask({}, { name: undefined, generateName: "shop-rb-" }));
    const stored = {
      ...object,
      metadata: { ...object.metadata, name: "shop-rb-q7x2k", creationTimestamp: STAMP_TIME },
    } as unknown as Task & { metadata: { name: string } };
    assert.deepEqual(provenCreator(seal.creators, stored), { proven: true, creator: "dave" });
  });

  it("denies bob's edit of the stamp on an existing task (CreatorForged) and records the denial", async () => {
    const { stored } = await admit(users.bob, rollbackTask());
    const edited = structuredClone(stored);
    edited.metadata.annotations = { ...annotationsOf(stored), [CREATED_BY_ANNOTATION]: "dave" };
    const { response, audit } = await admit(users.bob, edited, stored);
    assert.equal(response.allowed, false);
    assert.match(
      response.status?.message ?? "",
      /^CreatorForged: metadata\.annotations\[stagegate\.io\/created-by\]/,
    );
    assert.deepEqual(
      audit.entries.map((e) => [e.action, e.actor, e.details.rule]),
      [["AdmissionDenied", "bob", "CreatorForged"]],
    );
  });

  it("puts the stamp back when an update leaves it out (kubectl replace of an old manifest)", async () => {
    const { stored } = await admit(dave, rollbackTask());
    const replaced = structuredClone(stored);
    replaced.metadata.annotations = {};
    const { response, object } = await admit(dave, replaced, stored);
    assert.equal(response.allowed, true);
    assert.deepEqual(annotationsOf(object), annotationsOf(stored));
  });

  it("puts the stamp back on the operator's updates too, whatever they carry", async () => {
    const { stored } = await admit(dave, rollbackTask());
    const changed = structuredClone(stored);
    changed.metadata.annotations = { ...annotationsOf(stored), [CREATED_BY_ANNOTATION]: "someone" };
    const { response, object } = await admit(OPERATOR, changed, stored);
    assert.equal(response.allowed, true);
    assert.equal(annotationsOf(object)[CREATED_BY_ANNOTATION], "dave");
  });

  it("denies a stamp that reaches validation unsealed or naming someone else (the mutating webhook did not run)", async () => {
    const { ctx } = testContext();
    ctx.creatorSeal = seal.creators;
    const typed = rollbackTask({ [CREATED_BY_ANNOTATION]: "dave", [CREATED_AT_ANNOTATION]: STAMP_TIME });
    const response = await validateDeploymentTask(request("CREATE", users.bob, typed), ctx);
    assert.equal(response.allowed, false);
    assert.match(response.status?.message ?? "", /^CreatorForged: .* is dave, not bob/);
  });
});
