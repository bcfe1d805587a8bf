// Separation of duties bars everyone who declared a release's revision from deciding its changes (ADR 0011). The
// Approval's `spec.excluded` is fixed when the operator opens it, so a person who only becomes a declarer afterwards
// is not on it. This suite tries, as erin (a developer with the shipped release-manager role in the team's namespace,
// and an approver the Environment names), to change the release after its Approval opened and then approve it
// herself; and to do so after a first approval from someone else, when one more is needed. Each attempt is refused
// by the admission webhook with SeparationOfDuties, leaves the Approval's decisions as they were, is on the trail,
// and nothing syncs until an approver with no part in the release decides. The operator runs as its own process with
// its webhooks registered with the API server.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ApprovalSpec, ApprovalStatus } from "../../src/api/v1alpha1/approval.js";
import { ChangeRequestSpec, ChangeRequestStatus } from "../../src/api/v1alpha1/change-request.js";
import type { StoredAuditEntry } from "../../src/audit/entry.js";
import { deliveryResources, resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { readAuditEntries } from "../e2e/promotion-audit.js";
import { createEnvironment } from "../support/controller-world.js";
import { createArgoApplication } from "../support/delivery-objects.js";
import { startE2eOperator, type E2eOperator } from "../support/e2e-operator.js";
import { pendingStagegateSync } from "../support/gitops-driver.js";
import { clientFor, createTestNamespace, waitFor } from "../support/kube.js";
import { releaseSpec } from "../support/release-world.js";

const STEP_MS = 60_000;
const suffix = randomBytes(3).toString("hex");
/** One approval, from erin by name or the approvers group. */
const PROD = `late-${suffix}-prod`;
/** Two approvals, from the same people. */
const PAIR = `late-${suffix}-pair`;
const SHA = "5d4c3b2a1908f7e6d5c4b3a27e3f1c2d9b8a7f6e";
const OTHER_SHA = "6e5d4c3b2a1908f7e6d5c4b3a27e3f1c2d9b8a7f";
/** Created only after the relay release moved away and back, so its change opens afterwards. */
const LATER = `late-${suffix}-later`;

let admin: KubeClient;
let alice: KubeClient;
let carol: KubeClient;
let dave: KubeClient;
let erin: KubeClient;
let namespace: string;
let operator: E2eOperator | undefined;

const trail = (): StoredAuditEntry[] => readAuditEntries(operator?.process.auditFile ?? "");
const readApproval = (name: string): Promise<KubeObject> => admin.get(resources.approval, name, namespace);
const readChange = (name: string): Promise<KubeObject> => admin.get(resources.changeRequest, name, namespace);

/** dave declares `name`, delivered to `environment` through the Application `application`. */
async function daveDeclares(name: string, environment: string, application: string): Promise<void> {
  const spec = releaseSpec({
    version: "1.0.0",
    revision: SHA,
    pipeline: [environment],
    targets: [{ environment, argoCD: { name: application, namespace, revision: SHA } }],
    commits: [{ sha: SHA, author: { name: "Bob Builder", email: "bob@example.com" } }],
  });
  await dave.create(
    resources.release,
    { apiVersion: "stagegate.io/v1alpha1", kind: "Release", metadata: { name, namespace }, spec },
    namespace,
  );
}

/** The Approval the operator opened for `release`, once the Approval controller counted it (Pending). */
async function openedApproval(release: string): Promise<string> {
  const name = await waitFor(
    `the operator's change for ${release} with its Approval`,
    async () => {
      const list = await admin.list(resources.changeRequest, { namespace });
      const change = list.items.find(
        (cr) => ChangeRequestSpec.safeParse(cr.spec).data?.releaseRef.name === release,
      );
      return ChangeRequestStatus.safeParse(change?.status ?? {}).data?.approvalRef?.name;
    },
    { timeoutMs: STEP_MS },
  );
  await waitFor(
    `the Approval ${name} to be counted`,
    async () =>
      ApprovalStatus.safeParse((await readApproval(name).catch(() => undefined))?.status ?? {}).data?.outcome,
    { timeoutMs: STEP_MS },
  );
  return name;
}

/** Adds `user`'s own Approve through `client` (the webhook stamps the time and groups). */
function approve(client: KubeClient, approval: string, user: string): Promise<KubeObject> {
  return client.patch(
    resources.approval,
    approval,
    namespace,
    { spec: { decisions: { [user]: { decision: "Approve", comment: "from the late-declarer suite" } } } },
    { type: "merge" },
  );
}

/** erin turns the release's rollbacks off: a change of its spec, so the webhook stamps her as its declarer. */
async function erinDisablesRollback(release: string): Promise<void> {
  await erin.patch(
    resources.release,
    release,
    namespace,
    { spec: { rollbackPolicy: { mode: "Disabled", reason: "erin says it cannot fail" } } },
    { type: "merge" },
  );
  const stored = await admin.get(resources.release, release, namespace);
  const declaredBy = (stored.spec as { declaredBy?: { username?: string; earlier?: string[] } }).declaredBy;
  assert.equal(declaredBy?.username, "erin");
  assert.deepEqual(declaredBy?.earlier, ["dave"]);
}

/** Asserts erin's Approve is refused under separation of duties, stored nowhere, and on the trail. */
async function erinRefused(approval: string, application: string): Promise<void> {
  const beforeObj = await readApproval(approval);
  await assert.rejects(approve(erin, approval, "erin"), (err: Error) => {
    assert.match(err.message, /SeparationOfDuties/);
    assert.match(err.message, /declared the release/);
    return true;
  });
  const afterObj = await readApproval(approval);
  assert.equal(afterObj.metadata.generation, beforeObj.metadata.generation);
  assert.equal(ApprovalSpec.parse(afterObj.spec).decisions.erin, undefined);
  assert.equal(ChangeRequestStatus.parse((await readChange(approval)).status ?? {}).resolution, undefined);
  const app = await admin.get(deliveryResources.argoCDApplication, application, namespace);
  assert.equal(pendingStagegateSync(app), undefined);
  await waitFor(`erin's refusal on ${approval} on the trail`, () =>
    trail().find(
      (e) =>
        e.action === "AdmissionDenied" &&
        e.actor === "erin" &&
        e.object.name === approval &&
        e.details.rule === "SeparationOfDuties",
    ),
  );
}

/** Waits for the change `approval` to resolve; returns its status. */
function resolvedChange(approval: string): Promise<ChangeRequestStatus> {
  return waitFor(
    `the change ${approval} resolved`,
    async () => {
      const status = ChangeRequestStatus.parse((await readChange(approval)).status ?? {});
      return status.resolution === undefined ? undefined : status;
    },
    { timeoutMs: STEP_MS },
  );
}

describe("a person who changes a release after its Approval opened may not approve it", () => {
  before(async () => {
    admin = await clientFor("admin");
    alice = await clientFor("alice");
    carol = await clientFor("carol");
    dave = await clientFor("dave");
    erin = await clientFor("erin");
    // erin is a developer (release-manager role here) and an approver the Environments name: both duties, one person.
    namespace = await createTestNamespace(admin, "late");
    const approvers = { users: ["erin"], groups: ["approvers"] };
    await createEnvironment({ admin, namespace }, PROD, { gate: { requiredApprovals: 1, approvers } });
    await createEnvironment({ admin, namespace }, PAIR, { gate: { requiredApprovals: 2, approvers } });
    operator = await startE2eOperator(admin, namespace);
    await createArgoApplication({ admin, namespace }, "shop-prod");
    await createArgoApplication({ admin, namespace }, "cart-pair");
    await createArgoApplication({ admin, namespace }, "relay-later");
  });

  after(async () => {
    await operator?.stop();
    await admin?.delete(resources.environment, PROD).catch(() => undefined);
    await admin?.delete(resources.environment, PAIR).catch(() => undefined);
    await admin?.delete(resources.environment, LATER).catch(() => undefined);
    for (const client of [alice, carol, dave, erin, admin]) client?.close();
  });

  it("refuses erin approving a release she changed after its Approval opened; alice approves it", async () => {
    await daveDeclares("shop", PROD, "shop-prod");
    const approval = await openedApproval("shop");
    const excluded = ApprovalSpec.parse((await readApproval(approval)).spec).excluded.map((e) => e.user);
    assert.ok(excluded.includes("dave"), `dave is barred: ${excluded.join(", ")}`);
    assert.ok(!excluded.includes("erin"), "erin had no part in the release when the Approval opened");
    await erinDisablesRollback("shop");
    await erinRefused(approval, "shop-prod");
    await approve(alice, approval, "alice");
    const resolved = await resolvedChange(approval);
    assert.equal(resolved.resolution, "Approved");
    assert.equal(resolved.resolvedBy, "alice");
  });

  it("keeps barring erin, who declared the revision, after she moves the release away and dave moves it back", async () => {
    const spec = releaseSpec({
      version: "1.0.0",
      revision: SHA,
      pipeline: [LATER],
      targets: [{ environment: LATER, argoCD: { name: "relay-later", namespace, revision: SHA } }],
    });
    await erin.create(
      resources.release,
      { apiVersion: "stagegate.io/v1alpha1", kind: "Release", metadata: { name: "relay", namespace }, spec },
      namespace,
    );
    const source = spec.source as Record<string, unknown>;
    const move = (client: KubeClient, revision: string) =>
      client.patch(
        resources.release,
        "relay",
        namespace,
        { spec: { source: { ...source, revision } } },
        { type: "merge" },
      );
    await move(erin, OTHER_SHA);
    await move(dave, SHA);
    await createEnvironment({ admin, namespace }, LATER, {
      gate: { requiredApprovals: 1, approvers: { users: ["erin"], groups: ["approvers"] } },
    });
    const approval = await openedApproval("relay");
    await erinRefused(approval, "relay-later");
  });

  it("refuses erin's approval after carol's when erin changed the release in between; alice's completes it", async () => {
    await daveDeclares("cart", PAIR, "cart-pair");
    const approval = await openedApproval("cart");
    await approve(carol, approval, "carol");
    await erinDisablesRollback("cart");
    await erinRefused(approval, "cart-pair");
    await approve(alice, approval, "alice");
    const resolved = await resolvedChange(approval);
    assert.equal(resolved.resolution, "Approved");
    assert.deepEqual(Object.keys(ApprovalSpec.parse((await readApproval(approval)).spec).decisions).sort(), [
      "alice",
      "carol",
    ]);
  });
});
