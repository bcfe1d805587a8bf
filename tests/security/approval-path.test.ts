// ADR 0038: the ChangeRequest controller resolves a change from the Approval's stored decisions, without waiting for
// the Approval controller's outcome write. This suite tries, as the least-privileged identity that could, to get a
// resolution (and so a sync request) from an approval the Approval controller would not count: a decision by a
// commit author (separation of duties), a decision written under another approver's name, by a release manager, a
// status outcome written by hand, a rewritten eligible list, a resolution written by hand, a decision after the
// count settled and one on an expired Approval. Each attempt is refused by the API server (RBAC, the admission
// webhooks or the CRD's rules), leaves the stored decisions as they were, and nothing resolves or syncs until an
// eligible approver decides; then the change's resolution and the Approval's outcome agree, each fact on the trail
// once. It holds the same with the resolution read from the Approval's outcome (before ADR 0038) and from the count.
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
const PROD = `apath-${suffix}-prod`;
/** An environment whose approvals lapse after a few seconds. */
const BRIEF = `apath-${suffix}-brief`;
const SHA = "7e3f1c2d9b8a7f6e5d4c3b2a1908f7e6d5c4b3a2";

let admin: KubeClient;
let alice: KubeClient;
let carol: KubeClient;
let dave: KubeClient;
let grace: KubeClient;
let namespace: string;
let operator: E2eOperator | undefined;

/** The change the operator opened for `release`, once its Approval is open. */
async function openedChange(release: string): Promise<string> {
  return waitFor(
    `the operator's change for ${release} with its Approval`,
    async () => {
      const list = await admin.list(resources.changeRequest, { namespace });
      const change = list.items.find(
        (cr) => ChangeRequestSpec.safeParse(cr.spec).data?.releaseRef.name === release,
      );
      const status = ChangeRequestStatus.safeParse(change?.status ?? {}).data;
      return status?.approvalRef?.name;
    },
    { timeoutMs: STEP_MS },
  );
}

const readApproval = (name: string): Promise<KubeObject> => admin.get(resources.approval, name, namespace);
const readChange = (name: string): Promise<KubeObject> => admin.get(resources.changeRequest, name, namespace);
const trail = (): StoredAuditEntry[] => readAuditEntries(operator?.process.auditFile ?? "");

/** Adds `user`'s own decision through `client` (the webhook stamps the time and groups). */
function decide(client: KubeClient, approval: string, key: string, decision: string): Promise<KubeObject> {
  return client.patch(
    resources.approval,
    approval,
    namespace,
    { spec: { decisions: { [key]: { decision, comment: "from the approval-path suite" } } } },
    { type: "merge" },
  );
}

/** Asserts the Approval holds no decision and the change no resolution, and the Application was not asked to sync. */
async function nothingCounted(approval: string, application: string): Promise<void> {
  const stored = await readApproval(approval);
  assert.deepEqual(ApprovalSpec.parse(stored.spec).decisions, {});
  assert.equal(ApprovalStatus.parse(stored.status ?? {}).outcome ?? "Pending", "Pending");
  assert.equal(ChangeRequestStatus.parse((await readChange(approval)).status ?? {}).resolution, undefined);
  const app = await admin.get(deliveryResources.argoCDApplication, application, namespace);
  assert.equal(pendingStagegateSync(app), undefined);
}

describe("a change resolves only from decisions the Approval controller counts (ADR 0038)", () => {
  let approval = "";

  before(async () => {
    admin = await clientFor("admin");
    alice = await clientFor("alice");
    carol = await clientFor("carol");
    dave = await clientFor("dave");
    grace = await clientFor("grace");
    namespace = await createTestNamespace(admin, "apath");
    // One approval from the approvers group; separation of duties is on by default for a gate that requires
    // approvals, and the authors the Release declares are taken (the environment is not regulated).
    await createEnvironment({ admin, namespace }, PROD, {
      gate: { requiredApprovals: 1, approvers: { groups: ["approvers"] } },
    });
    await createEnvironment({ admin, namespace }, BRIEF, {
      gate: { requiredApprovals: 1, approvers: { groups: ["approvers"] }, approvalTimeout: "3s" },
    });
    operator = await startE2eOperator(admin, namespace);
    await createArgoApplication({ admin, namespace }, "shop-prod");
    await createArgoApplication({ admin, namespace }, "shop-brief");
    // dave declares the release; grace wrote one of its commits.
    const spec = releaseSpec({
      version: "1.0.0",
      revision: SHA,
      pipeline: [PROD],
      targets: [{ environment: PROD, argoCD: { name: "shop-prod", namespace, revision: SHA } }],
      commits: [{ sha: SHA, author: { name: "Grace", email: "grace@example.com" } }],
    });
    await dave.create(
      resources.release,
      { apiVersion: "stagegate.io/v1alpha1", kind: "Release", metadata: { name: "shop", namespace }, spec },
      namespace,
    );
    approval = await openedChange("shop");
    await waitFor("the Approval to be counted once", async () => {
      const found = await readApproval(approval).catch(() => undefined);
      return ApprovalStatus.safeParse(found?.status ?? {}).data?.outcome;
    });
  });

  after(async () => {
    await operator?.stop();
    await admin?.delete(resources.environment, PROD).catch(() => undefined);
    await admin?.delete(resources.environment, BRIEF).catch(() => undefined);
    for (const client of [alice, carol, dave, grace, admin]) client?.close();
  });

  it("refuses grace, a commit author, under separation of duties", async () => {
    await assert.rejects(decide(grace, approval, "grace@example.com", "Approve"), /SeparationOfDuties/);
    await nothingCounted(approval, "shop-prod");
  });

  it("refuses alice deciding under carol's name", async () => {
    await assert.rejects(decide(alice, approval, "carol", "Approve"), /DecisionKeyMismatch/);
    await nothingCounted(approval, "shop-prod");
  });

  it("refuses dave, who declared the release, any decision (RBAC)", async () => {
    await assert.rejects(decide(dave, approval, "dave", "Approve"), /forbidden/i);
    await nothingCounted(approval, "shop-prod");
  });

  it("refuses alice writing the Approval's outcome and dave writing the change's resolution (status is the operator's)", async () => {
    const forged = { status: { outcome: "Approved", approvals: 1, decidedBy: "alice" } };
    await assert.rejects(
      alice.patch(resources.approval, approval, namespace, forged, { type: "merge", subresource: "status" }),
      /forbidden/i,
    );
    const resolved = { status: { resolution: "Approved", resolvedBy: "dave" } };
    await assert.rejects(
      dave.patch(resources.changeRequest, approval, namespace, resolved, {
        type: "merge",
        subresource: "status",
      }),
      /forbidden/i,
    );
    await nothingCounted(approval, "shop-prod");
  });

  it("refuses alice rewriting who may decide, or lifting grace's exclusion (fixed at creation)", async () => {
    await assert.rejects(
      alice.patch(
        resources.approval,
        approval,
        namespace,
        { spec: { eligible: { users: ["grace@example.com"], groups: ["approvers"] }, excluded: [] } },
        { type: "merge" },
      ),
      /cannot change/,
    );
    await nothingCounted(approval, "shop-prod");
  });

  it("resolves the change from carol's approval, and the change and the Approval agree", async () => {
    await decide(carol, approval, "carol", "Approve");
    const resolved = await waitFor(
      "the change resolved",
      async () => {
        const status = ChangeRequestStatus.parse((await readChange(approval)).status ?? {});
        return status.resolution === undefined ? undefined : status;
      },
      { timeoutMs: STEP_MS },
    );
    assert.equal(resolved.resolution, "Approved");
    assert.equal(resolved.resolvedBy, "carol");
    const outcome = await waitFor(
      "the Approval's outcome",
      async () => {
        const status = ApprovalStatus.parse((await readApproval(approval)).status ?? {});
        return status.outcome === "Pending" ? undefined : status;
      },
      { timeoutMs: STEP_MS },
    );
    assert.deepEqual(
      [outcome.outcome, outcome.decidedBy, outcome.decidedAt],
      [resolved.resolution, resolved.resolvedBy, resolved.resolvedAt],
    );
    const stamped = ApprovalSpec.parse((await readApproval(approval)).spec).decisions.carol?.decidedAt;
    assert.equal(resolved.resolvedAt, stamped, "resolved at the time admission stamped on carol's decision");
  });

  it("refuses alice's rejection once the count settled, and the resolution stands", async () => {
    await assert.rejects(decide(alice, approval, "alice", "Reject"), /ApprovalClosed|is closed/);
    const status = ChangeRequestStatus.parse((await readChange(approval)).status ?? {});
    assert.equal(status.resolution, "Approved");
    assert.equal(ApprovalSpec.parse((await readApproval(approval)).spec).decisions.alice, undefined);
  });

  it("records each fact once: carol's decision and the change's approval", async () => {
    const once = (action: string, pick: (e: StoredAuditEntry) => boolean) =>
      waitFor(`${action} on the trail`, () => {
        const found = trail().filter((e) => e.action === action && pick(e));
        return found.length > 0 ? found : undefined;
      });
    const decisions = await once("DecisionRecorded", (e) => e.object.name === approval);
    assert.deepEqual(
      decisions.map((e) => e.actor),
      ["carol"],
    );
    const approved = await once("ChangeApproved", (e) => e.object.name === approval);
    assert.equal(approved.length, 1);
    assert.equal(approved[0]?.details.resolvedBy, "carol");
  });

  it("never resolves an expired Approval as approved: a decision after the expiry is refused", async () => {
    const spec = releaseSpec({
      version: "1.0.1",
      revision: SHA,
      pipeline: [BRIEF],
      targets: [{ environment: BRIEF, argoCD: { name: "shop-brief", namespace, revision: SHA } }],
    });
    await dave.create(
      resources.release,
      { apiVersion: "stagegate.io/v1alpha1", kind: "Release", metadata: { name: "brief", namespace }, spec },
      namespace,
    );
    const lapsing = await openedChange("brief");
    const resolved = await waitFor(
      "the brief change to expire",
      async () => {
        const status = ChangeRequestStatus.parse((await readChange(lapsing)).status ?? {});
        return status.resolution;
      },
      { timeoutMs: STEP_MS },
    );
    assert.equal(resolved, "Expired");
    await assert.rejects(decide(alice, lapsing, "alice", "Approve"), /ApprovalClosed|is closed/);
    assert.equal(ChangeRequestStatus.parse((await readChange(lapsing)).status ?? {}).resolution, "Expired");
    const app = await admin.get(deliveryResources.argoCDApplication, "shop-brief", namespace);
    assert.equal(pendingStagegateSync(app), undefined);
  });
});
