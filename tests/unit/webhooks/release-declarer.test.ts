import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LOCK_FINALIZER } from "../../../src/controllers/release/finalizer.js";
import type { AdmissionRequest, UserInfo } from "../../../src/webhooks/admission-review.js";
import { decideDeclarer, mutateRelease, nextDeclarer } from "../../../src/webhooks/release-declarer.js";
import { applyPatch, patchOf, testContext, users } from "./admission-fixtures.js";

const spec = (revision: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  version: "1.0.0",
  source: { repoURL: "https://git.example.com/shop.git", revision, commits: [] },
  pipeline: ["prod"],
  ...extra,
});

function releaseRequest(
  operation: AdmissionRequest["operation"],
  user: UserInfo,
  object: Record<string, unknown> | null,
  oldObject: Record<string, unknown> | null = null,
  subResource?: string,
): AdmissionRequest {
  return {
    uid: "review-r",
    kind: { group: "stagegate.io", version: "v1alpha1", kind: "Release" },
    resource: { group: "stagegate.io", version: "v1alpha1", resource: "releases" },
    ...(subResource === undefined ? {} : { subResource }),
    name: "shop",
    namespace: "team-a",
    operation,
    userInfo: { ...user, groups: [...user.groups] },
    object,
    oldObject,
    dryRun: false,
  };
}

const stamp = (user: UserInfo, earlier: string[] = []) => ({
  username: user.username,
  groups: [...user.groups],
  earlier,
});

describe("release declarer webhook", () => {
  it("stamps the creator on CREATE", async () => {
    const { ctx, audit } = testContext();
    const object = { metadata: { name: "shop" }, spec: spec("a1") };
    const response = await mutateRelease(releaseRequest("CREATE", users.bob, object), ctx);
    assert.equal(response.allowed, true);
    const after = applyPatch(object, patchOf(response)) as {
      metadata: { finalizers?: string[] };
      spec: { declaredBy: unknown };
    };
    assert.deepEqual(after.spec.declaredBy, stamp(users.bob));
    assert.deepEqual(after.metadata.finalizers, [LOCK_FINALIZER], "the creation carries the lock finalizer");
    assert.deepEqual(audit.entries, []);
  });

  it("adds the lock finalizer to those a CREATE names, once", async () => {
    const { ctx } = testContext();
    const withOther = { metadata: { name: "shop", finalizers: ["example.com/x"] }, spec: spec("a1") };
    const response = await mutateRelease(releaseRequest("CREATE", users.bob, withOther), ctx);
    const after = applyPatch(withOther, patchOf(response)) as { metadata: { finalizers?: string[] } };
    assert.deepEqual(after.metadata.finalizers, ["example.com/x", LOCK_FINALIZER]);
    const withOurs = { metadata: { name: "shop", finalizers: [LOCK_FINALIZER] }, spec: spec("a1") };
    const again = await mutateRelease(releaseRequest("CREATE", users.bob, withOurs), ctx);
    const kept = applyPatch(withOurs, patchOf(again)) as { metadata: { finalizers?: string[] } };
    assert.deepEqual(kept.metadata.finalizers, [LOCK_FINALIZER]);
  });

  it("denies a CREATE that names someone else as declarer, and records the denial", async () => {
    const { ctx, audit } = testContext();
    const object = { metadata: { name: "shop" }, spec: spec("a1", { declaredBy: stamp(users.alice) }) };
    const response = await mutateRelease(releaseRequest("CREATE", users.bob, object), ctx);
    assert.equal(response.allowed, false);
    assert.match(response.status?.message ?? "", /^DeclaredByForged: .*leave spec\.declaredBy out/);
    assert.deepEqual(
      audit.entries.map((e) => [e.action, e.actor, e.details.rule]),
      [["AdmissionDenied", "bob", "DeclaredByForged"]],
    );
  });

  it("re-stamps on a spec change and keeps earlier declarers of the same revision", async () => {
    const { ctx } = testContext();
    const oldObject = { metadata: { name: "shop" }, spec: spec("a1", { declaredBy: stamp(users.bob) }) };
    const object = {
      metadata: { name: "shop" },
      spec: spec("a1", { version: "1.0.1", declaredBy: stamp(users.bob) }),
    };
    const response = await mutateRelease(releaseRequest("UPDATE", users.erin, object, oldObject), ctx);
    assert.equal(response.allowed, true);
    const after = applyPatch(object, patchOf(response)) as { spec: { declaredBy: unknown } };
    assert.deepEqual(after.spec.declaredBy, stamp(users.erin, ["bob"]));
  });

  it("keeps the stored stamp on an update that does not change the spec (finalizers, labels)", async () => {
    const { ctx } = testContext();
    const stored = { metadata: { name: "shop" }, spec: spec("a1", { declaredBy: stamp(users.bob) }) };
    const object = { metadata: { name: "shop", finalizers: ["x"] }, spec: stored.spec };
    const operator = { username: "stagegate-operator", groups: ["stagegate:operators"] };
    const response = await mutateRelease(releaseRequest("UPDATE", operator, object, stored), ctx);
    assert.equal(response.allowed, true);
    assert.deepEqual(patchOf(response), []);
  });

  it("denies an update that only rewrites declaredBy", async () => {
    const { ctx, audit } = testContext();
    const stored = { metadata: { name: "shop" }, spec: spec("a1", { declaredBy: stamp(users.bob) }) };
    const object = { metadata: { name: "shop" }, spec: spec("a1", { declaredBy: stamp(users.carol) }) };
    const response = await mutateRelease(releaseRequest("UPDATE", users.bob, object, stored), ctx);
    assert.equal(response.allowed, false);
    assert.equal(audit.entries[0]?.details.rule, "DeclaredByForged");
  });

  it("ignores status writes", async () => {
    const { ctx } = testContext();
    const stored = { metadata: { name: "shop" }, spec: spec("a1", { declaredBy: stamp(users.bob) }) };
    const response = await mutateRelease(
      releaseRequest("UPDATE", users.admin, stored, stored, "status"),
      ctx,
    );
    assert.equal(response.allowed, true);
    assert.deepEqual(patchOf(response), []);
  });
});

describe("nextDeclarer", () => {
  const table: {
    name: string;
    before: Record<string, unknown> | undefined;
    after: string;
    want: string[];
  }[] = [
    { name: "a new release has no earlier declarers", before: undefined, after: "a1", want: [] },
    {
      name: "same revision: the previous declarers are kept, oldest first",
      before: spec("a1", { declaredBy: stamp(users.bob, ["carol"]) }),
      after: "a1",
      want: ["carol", "bob"],
    },
    {
      name: "a new revision keeps the history: moving away and back clears nobody (ADR 0069)",
      before: spec("a1", { declaredBy: stamp(users.bob, ["carol"]) }),
      after: "b2",
      want: ["carol", "bob"],
    },
    {
      name: "the requester is not their own earlier declarer",
      before: spec("a1", { declaredBy: stamp(users.erin, ["bob"]) }),
      after: "a1",
      want: ["bob"],
    },
  ];
  for (const row of table) {
    it(row.name, () => {
      assert.deepEqual(nextDeclarer(users.erin, row.before).earlier, row.want);
    });
  }

  it("accepts the stamp the request earns when the webhook is invoked again", () => {
    const before = spec("a1", { declaredBy: stamp(users.bob) });
    const after = spec("a1", { version: "2", declaredBy: stamp(users.erin, ["bob"]) });
    assert.equal(decideDeclarer(users.erin, before, after).verdict.allowed, true);
  });
});
