import assert from "node:assert/strict";
import { DeploymentTaskSpec } from "../../../src/api/v1alpha1/deployment-task.js";
import { taskItemAudit } from "../../../src/controllers/deployment-task/item-audit.js";
import { describe, it } from "node:test";
import { EnvironmentSpec } from "../../../src/api/v1alpha1/environment.js";
import { checklistFor } from "../../../src/controllers/release/checklists.js";
import type { AdmissionRequest, UserInfo } from "../../../src/webhooks/admission-review.js";
import { mutateDeploymentTask, validateDeploymentTask } from "../../../src/webhooks/task-webhooks.js";
import { applyPatch, NOW, patchOf, testContext, users } from "./admission-fixtures.js";

const OPERATOR: UserInfo = { username: "system:serviceaccount:stagegate-system:stagegate", groups: [] };
const COMMIT = "a".repeat(40);
const DIGEST = `sha256:${"b".repeat(64)}`;
const STAMP = NOW.toISOString().replace(".000Z", "Z");
const REPORT = "https://scans.example.com/r/1";

const binding = {
  release: { name: "shop", uid: "uid-shop" },
  environment: "prod",
  artifact: { commit: COMMIT, digests: [DIGEST] },
  target: { kind: "Application", namespace: "argocd", name: "shop-prod", revision: COMMIT },
};

type Task = Record<string, unknown> & {
  spec: Record<string, unknown> & { checklist: Record<string, unknown>[] };
};

/** A task as the API server sends it (defaults applied): a bound SecurityScan owned by bob, unless changed. */
function task(spec: Record<string, unknown> = {}): Task {
  const type = (spec.type as string | undefined) ?? "SecurityScan";
  const checklist = checklistFor(type as "SecurityScan").map((item) => ({ ...item, state: "Pending" }));
  return {
    apiVersion: "stagegate.io/v1alpha1",
    kind: "DeploymentTask",
    metadata: { name: "shop-prod-scan", namespace: "team-a", uid: "uid-task" },
    spec: {
      type,
      title: "Scan",
      releaseRef: { name: "shop" },
      environment: "prod",
      owners: [{ kind: "User", name: "bob" }],
      checklist,
      binding,
      ...spec,
    },
  };
}

/** `base` with item `name` changed. */
function withItem(base: Task, name: string, change: Record<string, unknown>): Task {
  const copy = structuredClone(base);
  copy.spec.checklist = copy.spec.checklist.map((item) =>
    item.name === name ? { ...item, ...change } : item,
  );
  return copy;
}

function request(
  operation: "CREATE" | "UPDATE",
  user: UserInfo,
  object: Record<string, unknown>,
  oldObject?: Record<string, unknown>,
): AdmissionRequest {
  return {
    uid: "review-1",
    kind: { group: "stagegate.io", version: "v1alpha1", kind: "DeploymentTask" },
    resource: { group: "stagegate.io", version: "v1alpha1", resource: "deploymenttasks" },
    name: "shop-prod-scan",
    namespace: "team-a",
    operation,
    userInfo: user,
    object,
    oldObject: oldObject ?? null,
    dryRun: false,
  };
}

const environments = {
  prod: EnvironmentSpec.parse({
    verification: {
      prometheusURL: "http://prometheus:9090",
      checks: [{ name: "error-rate", query: "vector(0)", threshold: { max: 1 } }],
    },
  }),
  dev: EnvironmentSpec.parse({}),
};

/** Runs a write through both webhooks as the API server does: mutate, apply the patch, validate. */
async function admit(user: UserInfo, after: Task, before?: Task, lookupFails = false) {
  const { ctx, audit } = testContext(environments);
  ctx.operatorUsername = OPERATOR.username;
  if (lookupFails) ctx.lookupEnvironment = () => Promise.reject(new Error("connection refused"));
  const operation = before === undefined ? "CREATE" : "UPDATE";
  const mutated = await mutateDeploymentTask(request(operation, user, after, before), ctx);
  assert.equal(mutated.allowed, true);
  const object = applyPatch(after, patchOf(mutated)) as Task;
  const response = await validateDeploymentTask(request(operation, user, object, before), ctx);
  return { response, object, audit };
}

const ruleOf = (message: string | undefined): string | undefined => message?.split(":")[0];

describe("DeploymentTask webhooks: who completes which item, with what evidence", () => {
  const open = task();
  const rows: {
    name: string;
    user: UserInfo;
    after: Task;
    before?: Task;
    rule?: string;
    lookupFails?: boolean;
  }[] = [
    {
      name: "the owner completes with a report URL",
      user: users.bob,
      after: withItem(open, "scan-run", { state: "Done", evidence: { uri: REPORT } }),
      before: open,
    },
    {
      name: "the owner attests the artifact's digest",
      user: users.bob,
      after: withItem(open, "scan-run", { state: "Done", evidence: { digest: DIGEST, result: "Passed" } }),
      before: open,
    },
    {
      name: "the owner attests the binding's full commit",
      user: users.bob,
      after: withItem(open, "scan-run", { state: "Done", evidence: { digest: COMMIT } }),
      before: open,
    },
    {
      name: "the owner marks Done without evidence (the task controller reports it missing)",
      user: users.bob,
      after: withItem(open, "scan-run", { state: "Done" }),
      before: open,
    },
    {
      name: "a member of an owning group completes",
      user: users.erin,
      after: withItem(task({ owners: [{ kind: "Group", name: "developers" }] }), "scan-run", {
        state: "Failed",
        evidence: { uri: REPORT },
      }),
      before: task({ owners: [{ kind: "Group", name: "developers" }] }),
    },
    {
      name: "a non-owner completes",
      user: users.erin,
      after: withItem(open, "scan-run", { state: "Done", evidence: { uri: REPORT } }),
      before: open,
      rule: "NotTaskOwner",
    },
    {
      name: "a non-owner resets an item to Pending",
      user: users.erin,
      after: open,
      before: withItem(open, "scan-run", { state: "Done", completedBy: "bob", completedAt: STAMP }),
      rule: "NotTaskOwner",
    },
    {
      name: "free text as evidence",
      user: users.bob,
      after: withItem(open, "scan-run", {
        state: "Done",
        evidence: { notes: "all clean", result: "Passed" },
      }),
      before: open,
      rule: "EvidenceNotAttested",
    },
    ...["http://scans.example.com/r/1", "https://user:pw@scans.example.com/r", "https://a b", "ftp://x"].map(
      (uri) => ({
        name: `evidence uri ${uri}`,
        user: users.bob,
        after: withItem(open, "scan-run", { state: "Done", evidence: { uri } }),
        before: open,
        rule: "EvidenceNotAttested",
      }),
    ),
    {
      name: "a digest of another artifact, next to a valid URL",
      user: users.bob,
      after: withItem(open, "scan-run", {
        state: "Done",
        evidence: { uri: REPORT, digest: `sha256:${"c".repeat(64)}` },
      }),
      before: open,
      rule: "EvidenceNotAttested",
    },
    {
      name: "a digest on a task bound to no artifact",
      user: users.bob,
      after: withItem(task({ binding: undefined }), "scan-run", {
        state: "Done",
        evidence: { digest: DIGEST },
      }),
      before: task({ binding: undefined }),
      rule: "EvidenceNotAttested",
    },
    {
      name: "turning requiresEvidence off",
      user: users.bob,
      after: withItem(open, "scan-run", { requiresEvidence: false }),
      before: open,
      rule: "ChecklistImmutable",
    },
    {
      name: "changing the owners",
      user: users.bob,
      after: task({
        owners: [
          { kind: "User", name: "bob" },
          { kind: "User", name: "erin" },
        ],
      }),
      before: open,
      rule: "TaskFieldImmutable",
    },
    {
      name: "changing the alert a rollback was opened for",
      user: users.bob,
      after: task({ alert: { fingerprint: "f", startsAt: STAMP, receivedAt: STAMP } }),
      before: open,
      rule: "TaskFieldImmutable",
    },
    {
      name: "removing the binding (the CEL rule refuses it first where the CRD is installed)",
      user: users.bob,
      after: task({ binding: undefined }),
      before: open,
      rule: "TaskFieldImmutable",
    },
    {
      name: "the owner concludes a measured verification of an Environment that declares it",
      user: users.bob,
      after: withItem(task({ type: "PostDeployVerification" }), "metrics-healthy", { state: "Done" }),
      before: task({ type: "PostDeployVerification" }),
      rule: "AutomatedItem",
    },
    {
      name: "the owner concludes metrics-healthy where the Environment declares no verification",
      user: users.bob,
      after: withItem(task({ type: "PostDeployVerification", environment: "dev" }), "metrics-healthy", {
        state: "Done",
      }),
      before: task({ type: "PostDeployVerification", environment: "dev" }),
    },
    {
      name: "the owner concludes metrics-healthy while the Environment cannot be read",
      user: users.bob,
      after: withItem(task({ type: "PostDeployVerification" }), "metrics-healthy", { state: "Done" }),
      before: task({ type: "PostDeployVerification" }),
      rule: "AutomatedItem",
      lookupFails: true,
    },
    {
      name: "the owner completes the drift check Stagegate does",
      user: users.bob,
      after: withItem(task({ type: "ConfigDrift" }), "drift-checked", { state: "Done" }),
      before: task({ type: "ConfigDrift" }),
      rule: "AutomatedItem",
    },
    {
      name: "the owner completes a drift item of a task of no release",
      user: users.bob,
      after: withItem(task({ type: "ConfigDrift", releaseRef: undefined }), "drift-checked", {
        state: "Done",
      }),
      before: task({ type: "ConfigDrift", releaseRef: undefined }),
    },
    {
      name: "a person creates a bound task",
      user: users.bob,
      after: open,
      rule: "TaskBindingReserved",
    },
    {
      name: "a person creates an unbound task with an item Done as its owner",
      user: users.bob,
      after: withItem(task({ binding: undefined }), "scan-run", { state: "Done", evidence: { uri: REPORT } }),
    },
    {
      name: "a person creates an unbound task with an item Done for owners they are not",
      user: users.erin,
      after: withItem(task({ binding: undefined }), "scan-run", { state: "Done" }),
      rule: "NotTaskOwner",
    },
    {
      name: "the operator opens a bound task",
      user: OPERATOR,
      after: open,
    },
    {
      name: "the operator changes what only it may change and concludes an automated item",
      user: OPERATOR,
      after: withItem(task({ type: "ConfigDrift", owners: [] }), "drift-checked", {
        state: "Done",
        evidence: { notes: "Synced" },
      }),
      before: task({ type: "ConfigDrift" }),
    },
    {
      name: "someone who is not the operator but shares its groups",
      user: { username: "stagegate-operator-impostor", groups: [...OPERATOR.groups, "stagegate:operators"] },
      after: task({ owners: [] }),
      before: open,
      rule: "TaskFieldImmutable",
    },
  ];

  for (const row of rows) {
    it(`${row.rule ?? "admits"}: ${row.name}`, async () => {
      const { response } = await admit(row.user, row.after, row.before, row.lookupFails);
      assert.equal(ruleOf(response.status?.message), row.rule, response.status?.message);
      assert.equal(response.allowed, row.rule === undefined);
    });
  }

  it("stamps who and when on completed items, whatever was typed; the controller records it from the stored task", async () => {
    const typed = withItem(open, "scan-run", {
      state: "Done",
      completedBy: "alice",
      completedAt: "2001-01-01T00:00:00Z",
      evidence: { uri: REPORT },
    });
    const { response, object, audit } = await admit(users.bob, typed, open);
    assert.equal(response.allowed, true);
    const item = object.spec.checklist.find((i) => i.name === "scan-run");
    assert.deepEqual([item?.completedBy, item?.completedAt], ["bob", STAMP]);
    assert.deepEqual(audit.entries, []);
    const entries = taskItemAudit({
      metadata: { name: "shop-prod-scan", namespace: "team-a", uid: "uid-task" },
      spec: DeploymentTaskSpec.parse(object.spec),
    });
    const completed = entries.find((e) => (e.details.items as { name: string }[])[0]?.name === "scan-run");
    assert.equal(completed?.actor, "bob");
    assert.deepEqual(completed?.details.items, [
      { name: "scan-run", state: "Done", evidence: { uri: REPORT } },
    ]);
    assert.equal(completed?.details.completedAt, STAMP);
    assert.match(completed?.transition ?? "", /^DeploymentTask\/uid-task\/TaskItemCompleted\/scan-run\//);
  });

  it("puts back the stamps of items a write does not complete, and records nothing for it", async () => {
    const done = withItem(open, "scan-run", { state: "Done", completedBy: "bob", completedAt: STAMP });
    const retyped = withItem(done, "scan-run", { completedBy: "mallory", completedAt: undefined });
    const { response, object, audit } = await admit(users.bob, retyped, done);
    assert.equal(response.allowed, true);
    const item = object.spec.checklist.find((i) => i.name === "scan-run");
    assert.deepEqual([item?.completedBy, item?.completedAt], ["bob", STAMP]);
    assert.deepEqual(audit.entries, []);
  });

  it("keeps the name an operator component signs with, and stamps the time", async () => {
    const drift = task({ type: "ConfigDrift" });
    const concluded = withItem(drift, "drift-checked", { state: "Done", completedBy: "stagegate-operator" });
    const { object, audit } = await admit(OPERATOR, concluded, drift);
    const item = object.spec.checklist.find((i) => i.name === "drift-checked");
    assert.deepEqual([item?.completedBy, item?.completedAt], ["stagegate-operator", STAMP]);
    assert.deepEqual(audit.entries, [], "the operator's components audit their own conclusions");
  });

  it("adds no signature when an operator component reopens an item and clears its own", async () => {
    const drift = task({ type: "ConfigDrift" });
    const done = withItem(drift, "drift-checked", {
      state: "Done",
      completedBy: "stagegate-operator",
      completedAt: STAMP,
      evidence: { notes: "Synced" },
    });
    const reopened = withItem(done, "drift-checked", {
      state: "Pending",
      completedBy: undefined,
      completedAt: undefined,
      evidence: undefined,
    });
    const { object } = await admit(OPERATOR, reopened, done);
    const item = object.spec.checklist.find((i) => i.name === "drift-checked");
    assert.deepEqual([item?.state, item?.completedBy, item?.completedAt], ["Pending", undefined, undefined]);
  });

  it("refuses stamps forged past the mutating webhook (CompletionForged), and records the denial", async () => {
    const { ctx, audit } = testContext(environments);
    const forged = withItem(open, "scan-run", {
      state: "Done",
      completedBy: "alice",
      completedAt: STAMP,
      evidence: { uri: REPORT },
    });
    const response = await validateDeploymentTask(request("UPDATE", users.bob, forged, open), ctx);
    assert.equal(ruleOf(response.status?.message), "CompletionForged");
    assert.match(response.status?.message ?? "", /spec\.checklist\[scan-run\]\.completedBy is "alice"/);
    assert.deepEqual(
      audit.entries.map((e) => [e.actor, e.action, e.details.rule]),
      [["bob", "AdmissionDenied", "CompletionForged"]],
    );
  });

  it("lets a non-owner change what the rules do not judge (a label), unrecorded", async () => {
    const labelled = structuredClone(open);
    labelled.metadata = { name: "shop-prod-scan", namespace: "team-a", labels: { team: "shop" } };
    const { response, audit } = await admit(users.erin, labelled, open);
    assert.equal(response.allowed, true);
    assert.deepEqual(audit.entries, []);
  });

  it("treats every write as a person's when the operator's identity is unknown", async () => {
    const { ctx } = testContext(environments);
    const response = await validateDeploymentTask(request("CREATE", OPERATOR, open), ctx);
    assert.equal(ruleOf(response.status?.message), "TaskBindingReserved");
  });
});
