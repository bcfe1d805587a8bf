import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../../src/runtime/kube/object.js";
import type { AdmissionRequest, UserInfo } from "../../../src/webhooks/admission-review.js";
import { validateRelease } from "../../../src/webhooks/release-webhooks.js";
import type { WebhookContext } from "../../../src/webhooks/webhook-context.js";
import { testContext, users } from "./admission-fixtures.js";

const NS = "team-a";
const SHA1 = "1c1c1c1c9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const SHA2 = "2d2d2d2d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";
const operator: UserInfo = { username: "stagegate-operator", groups: ["system:authenticated"] };
const namespaceController: UserInfo = {
  username: "system:serviceaccount:kube-system:namespace-controller",
  groups: ["system:serviceaccounts"],
};

/** A Release of `name` delivering `sha` to the Application `app` in `environment`, in `state` since `started`. */
function release(
  name: string,
  options: { app?: string; environment?: string; sha?: string; state?: string; started?: string } = {},
): KubeObject {
  const environment = options.environment ?? "prod";
  const sha = options.sha ?? SHA1;
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "Release",
    metadata: { name, namespace: NS, uid: `uid-${name}` },
    spec: {
      version: "1.0.0",
      source: { repoURL: "https://git.example.com/shop.git", revision: sha },
      pipeline: [environment],
      targets: [{ environment, argoCD: { name: options.app ?? "shop", namespace: NS, revision: sha } }],
      owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "dave" } },
    },
    status: {
      environments: [
        {
          name: environment,
          state: options.state ?? "Verified",
          revision: sha,
          ...(options.started === undefined ? {} : { deployStartedAt: options.started }),
        },
      ],
    },
  };
}

const SHOP = release("shop-1", { started: "2030-01-01T10:00:00Z" });

interface Row {
  situation: string;
  user: UserInfo;
  deleted?: KubeObject;
  others?: KubeObject[];
  /** Whether the delivery object still exists. */
  targetExists?: boolean;
  /** What the SubjectAccessReview answers for "update environments". */
  mayUpdate?: boolean;
  /** Whether the context reads Releases at all. */
  readsReleases?: boolean;
  expected: "allowed" | "ReleaseStillRunning";
}

const rows: Row[] = [
  {
    situation: "bob deletes the release that runs in prod: refused",
    user: users.bob,
    expected: "ReleaseStillRunning",
  },
  {
    situation:
      "a release that promoted later to the same target in the same environment supersedes it: allowed",
    user: users.bob,
    others: [release("shop-2", { sha: SHA2, started: "2030-01-02T10:00:00Z" })],
    expected: "allowed",
  },
  {
    situation: "a release that promoted to it earlier supersedes nothing: refused",
    user: users.bob,
    others: [release("shop-0", { sha: SHA2, started: "2029-12-31T10:00:00Z" })],
    expected: "ReleaseStillRunning",
  },
  {
    situation:
      "a later claim from another environment silences nothing there, so it supersedes nothing: refused",
    user: users.bob,
    others: [release("shop-dev", { environment: "dev", sha: SHA2, started: "2030-01-02T10:00:00Z" })],
    expected: "ReleaseStillRunning",
  },
  {
    situation: "a later release still waiting at the gate has not promoted: refused",
    user: users.bob,
    others: [release("shop-2", { sha: SHA2, state: "Gated", started: "2030-01-02T10:00:00Z" })],
    expected: "ReleaseStillRunning",
  },
  {
    situation: "a release that never promoted anywhere: allowed",
    user: users.bob,
    deleted: release("draft", { state: "Gated" }),
    expected: "allowed",
  },
  {
    situation: "the delivery object is gone: nothing left to speak for, allowed",
    user: users.bob,
    targetExists: false,
    expected: "allowed",
  },
  {
    situation: "a platform administrator, who may update Environments, retires it: allowed",
    user: users.admin,
    mayUpdate: true,
    expected: "allowed",
  },
  {
    situation: "the operator: allowed",
    user: operator,
    expected: "allowed",
  },
  {
    situation: "the namespace controller, deleting the namespace: allowed",
    user: namespaceController,
    expected: "allowed",
  },
  {
    situation: "a server that cannot read Releases does not judge deletes",
    user: users.bob,
    readsReleases: false,
    expected: "allowed",
  },
];

function deleteRequest(user: UserInfo, deleted: KubeObject): AdmissionRequest {
  return {
    uid: "review-1",
    kind: { group: "stagegate.io", version: "v1alpha1", kind: "Release" },
    resource: { group: "stagegate.io", version: "v1alpha1", resource: "releases" },
    name: deleted.metadata.name,
    namespace: NS,
    operation: "DELETE",
    userInfo: { ...user, groups: [...user.groups] },
    object: null,
    oldObject: deleted,
    dryRun: false,
  };
}

function contextFor(row: Pick<Row, "others" | "targetExists" | "mayUpdate" | "readsReleases" | "deleted">) {
  const { ctx, audit } = testContext();
  const deleted = row.deleted ?? SHOP;
  const context: WebhookContext = {
    ...ctx,
    operatorUsername: operator.username,
    lookupDeliveryLabels: () => Promise.resolve(row.targetExists === false ? undefined : {}),
    mayUpdateEnvironments: () => Promise.resolve(row.mayUpdate === true),
    ...(row.readsReleases === false
      ? {}
      : { lookupReleases: () => Promise.resolve([deleted, ...(row.others ?? [])]) }),
  };
  return { context, audit };
}

describe("only administrators delete the release that runs in an environment (ADR 0069)", () => {
  for (const row of rows) {
    it(row.situation, async () => {
      const { context } = contextFor(row);
      const response = await validateRelease(deleteRequest(row.user, row.deleted ?? SHOP), context);
      const rule = response.allowed ? "allowed" : (response.status?.message ?? "").split(":")[0];
      assert.equal(rule, row.expected, response.status?.message);
    });
  }

  it("names the target, the environment and the fix, and records the refusal", async () => {
    const { context, audit } = contextFor({});
    const response = await validateRelease(deleteRequest(users.bob, SHOP), context);
    const message = response.status?.message ?? "";
    assert.match(
      message,
      /Release shop-1 is the last release promoted to Argo CD Application team-a\/shop in prod/,
    );
    assert.match(message, /promote a newer release there first, or ask a platform administrator/);
    assert.deepEqual(
      audit.entries.map((e) => [e.actor, e.action, e.details.rule]),
      [["bob", "AdmissionDenied", "ReleaseStillRunning"]],
    );
  });

  it("asks whether the user may update Environments only when the release still runs somewhere", async () => {
    const { ctx } = testContext();
    let asked = 0;
    const context: WebhookContext = {
      ...ctx,
      lookupReleases: () => Promise.resolve([]),
      mayUpdateEnvironments: () => {
        asked += 1;
        return Promise.resolve(false);
      },
    };
    const draft = release("draft", { state: "Pending" });
    assert.equal((await validateRelease(deleteRequest(users.bob, draft), context)).allowed, true);
    assert.equal(asked, 0);
  });

  it("lets a failed read of the Releases reach the server, which denies it", async () => {
    const { ctx } = testContext();
    const context: WebhookContext = {
      ...ctx,
      lookupReleases: () => Promise.reject(new Error("the API server is unavailable")),
    };
    await assert.rejects(validateRelease(deleteRequest(users.bob, SHOP), context), /unavailable/);
  });
});
