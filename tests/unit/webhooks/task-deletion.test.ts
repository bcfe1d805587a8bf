import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRollbackSeal } from "../../../src/controllers/rollback/seal.js";
import type { AdmissionRequest, UserInfo } from "../../../src/webhooks/admission-review.js";
import { mutateDeploymentTask, validateDeploymentTask } from "../../../src/webhooks/task-webhooks.js";
import {
  admissionRequest,
  applyPatch,
  NOW,
  patchOf,
  rollbackTaskObject,
  testContext,
  users,
} from "./admission-fixtures.js";

const OPERATOR: UserInfo = { username: "stagegate-operator", groups: [] };
const GC: UserInfo = {
  username: "system:serviceaccount:kube-system:generic-garbage-collector",
  groups: ["system:serviceaccounts"],
};
const NAMESPACES: UserInfo = {
  username: "system:serviceaccount:kube-system:namespace-controller",
  groups: [],
};
const seal = createRollbackSeal(Buffer.alloc(32, 7));
const RELEASE_UID = "uid-shop";

/** The Rollback task an alert opened for release shop in prod (Automatic), sealed with `sealWith`, as stored. */
function rollbackTask(sealWith = seal, change: (annotations: Record<string, string>) => void = () => {}) {
  const annotations = sealWith.annotations({
    namespace: "team-a",
    name: "shop-prod-rollback-1",
    release: { name: "shop", uid: RELEASE_UID },
    environment: "prod",
    origin: "Alert",
    policy: "Automatic",
  });
  change(annotations);
  return rollbackTaskObject(annotations, {
    alert: { name: "HighErrorRate", fingerprint: "f1", startsAt: "2030-01-01T11:00:00Z" },
  });
}

function deletion(user: UserInfo, oldObject: Record<string, unknown>): AdmissionRequest {
  return admissionRequest({
    kind: "DeploymentTask",
    name: "shop-prod-rollback-1",
    operation: "DELETE",
    user,
    oldObject,
  });
}

/** The validating webhook's answer to `user` deleting `task`, with the Release's uid as `releaseUid` reads it. */
async function judge(
  user: UserInfo,
  task: Record<string, unknown>,
  releaseUid: () => Promise<string | undefined> = () => Promise.resolve(RELEASE_UID),
) {
  const { ctx, audit } = testContext({});
  ctx.operatorUsername = OPERATOR.username;
  ctx.rollbackSeal = seal;
  ctx.creatorSeal = seal.creators;
  ctx.lookupReleaseUid = releaseUid;
  const response = await validateDeploymentTask(deletion(user, task), ctx);
  return { response, audit };
}

const ruleOf = (message: string | undefined): string | undefined => message?.split(":")[0];

describe("Deleting a Rollback task Stagegate opened (it holds the release and records the alert)", () => {
  it("refuses a person, naming the task, the alert and what to do instead, and records the refusal", async () => {
    for (const user of [users.bob, users.admin]) {
      const { response, audit } = await judge(user, rollbackTask());
      assert.equal(response.allowed, false, user.username);
      assert.equal(ruleOf(response.status?.message), "SealedTaskKept");
      assert.match(
        response.status?.message ?? "",
        /shop-prod-rollback-1 .*alert HighErrorRate .*spec\.cancelled/,
      );
      assert.deepEqual(
        audit.entries.map((e) => [e.action, e.actor, (e.details as { rule?: string }).rule]),
        [["AdmissionDenied", user.username, "SealedTaskKept"]],
      );
    }
  });

  it("lets the operator, the garbage collector and the namespace controller delete it", async () => {
    for (const user of [OPERATOR, GC, NAMESPACES]) {
      assert.equal((await judge(user, rollbackTask())).response.allowed, true, user.username);
    }
  });

  it("judges nothing a seal does not prove: another key, an edited policy, a Release re-created or gone", async () => {
    const otherKey = createRollbackSeal(Buffer.alloc(32, 9));
    const edited = rollbackTask(seal, (a) => (a["stagegate.io/rollback-policy"] = "Manual"));
    const unsealed = rollbackTask(seal, (a) => delete a["stagegate.io/rollback-seal"]);
    for (const [why, task, uid] of [
      ["another key", rollbackTask(otherKey), RELEASE_UID],
      ["an edited policy", edited, RELEASE_UID],
      ["no seal", unsealed, RELEASE_UID],
      ["the Release re-created", rollbackTask(), "uid-other"],
      ["the Release gone", rollbackTask(), undefined],
    ] as const) {
      const { response } = await judge(users.bob, task, () => Promise.resolve(uid));
      assert.equal(response.allowed, true, why);
    }
    const checklistTask = { ...rollbackTask(), spec: { ...rollbackTask().spec, type: "Checklist" } };
    assert.equal((await judge(users.bob, checklistTask)).response.allowed, true, "not a Rollback task");
  });

  it("refuses, to be retried, when the Release cannot be read", async () => {
    const { response } = await judge(users.bob, rollbackTask(), () => Promise.reject(new Error("timeout")));
    assert.equal(response.allowed, false);
    assert.match(response.status?.message ?? "", /Release shop could not be read \(timeout\).*try again/);
  });

  it("keeps the rollback owner's own Rollback task (its creator proven) from everyone but him and its owners", async () => {
    const dave: UserInfo = { username: "dave", groups: ["release-managers", "system:authenticated"] };
    const { ctx } = testContext({});
    ctx.operatorUsername = OPERATOR.username;
    ctx.creatorSeal = seal.creators;
    const typed = rollbackTask(seal, (a) => {
      for (const key of Object.keys(a)) delete a[key];
    });
    const create = admissionRequest({
      kind: "DeploymentTask",
      operation: "CREATE",
      user: dave,
      object: typed,
    });
    const mutated = await mutateDeploymentTask(create, ctx);
    const stamped = applyPatch(typed, patchOf(mutated)) as typeof typed;
    const created = NOW.toISOString().replace(".000Z", "Z");
    const stored = { ...stamped, metadata: { ...stamped.metadata, creationTimestamp: created } };
    assert.equal(
      stored.metadata.annotations?.["stagegate.io/created-by"],
      "dave",
      "the webhook stamped dave",
    );
    const byBob = await judge(users.bob, stored);
    assert.equal(ruleOf(byBob.response.status?.message), "NotTaskOwner");
    assert.match(byBob.response.status?.message ?? "", /bob may not delete Rollback task .*dave opened it/);
    assert.equal((await judge(dave, stored)).response.allowed, true, "its creator withdraws it");
    const forged = { ...stored, metadata: { ...stored.metadata, creationTimestamp: "2020-01-01T00:00:00Z" } };
    assert.equal(
      (await judge(users.bob, forged)).response.allowed,
      true,
      "a stamp that proves nothing is not judged",
    );
  });
});
