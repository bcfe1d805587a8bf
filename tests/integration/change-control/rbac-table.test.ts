// Who may do what in change control, row by row, against the real API server with real identities: RBAC, the
// CRD's CEL rules, the operator's admission webhooks (served by the operator process, registered with their
// caBundle) and the closed-object ValidatingAdmissionPolicy. Each row is an identity, an action and the expected
// outcome with its reason; rows run in order because later rows act on what earlier rows decided.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { verifyAuditFile } from "../../../src/audit/verify.js";
import { resources } from "../../../src/controllers/resources.js";
import type { KubeClient } from "../../../src/runtime/kube/client.js";
import type { IdentityName } from "../../../hack/local-cluster/identities.js";
import { kubectl } from "../../support/cluster.js";
import { clientFor, createTestNamespace, waitFor } from "../../support/kube.js";
import { startE2eOperator, type E2eOperator } from "../../support/e2e-operator.js";
import { ownsDeliveryIn } from "../../support/controller-world.js";

interface Row {
  who: IdentityName;
  does: string;
  args: (ns: string) => string[];
  input?: (ns: string) => unknown;
  expect: "allowed" | "denied";
  because: RegExp;
  then?: (ns: string) => Promise<void>;
}

const id = randomBytes(3).toString("hex");
const env = `rbac-${id}-prod`;
const soon = (hours: number): string =>
  new Date(Date.now() + hours * 3_600_000).toISOString().replace(/\.\d+Z$/, "Z");

function changeRequest(name: string, spec: Record<string, unknown>): (ns: string) => unknown {
  return (ns) => ({
    apiVersion: "stagegate.io/v1alpha1",
    kind: "ChangeRequest",
    metadata: { name, namespace: ns },
    spec: {
      releaseRef: { name: "payments" },
      environment: env,
      type: "Normal",
      justification: "Fixes the refund rounding bug.",
      plannedWindow: { start: soon(1), end: soon(3) },
      ...spec,
    },
  });
}

/** `kubectl patch KIND NAME --type=merge -p BODY` (on the status subresource when asked) in the test namespace. */
const mergePatch =
  (kind: string, name: string, body: string, subresource?: "status") =>
  (ns: string): string[] => [
    "patch",
    kind,
    name,
    "-n",
    ns,
    ...(subresource === undefined ? [] : [`--subresource=${subresource}`]),
    "--type=merge",
    "-p",
    body,
  ];

const decide = (approver: string, decision: Record<string, unknown>): string =>
  JSON.stringify({ spec: { decisions: { [approver]: { decidedAt: soon(0), ...decision } } } });

describe("change control: who may do what (real RBAC, CEL, webhooks, admission policy)", () => {
  let admin: KubeClient;
  let namespace: string;
  let operator: E2eOperator | undefined;

  async function get(
    rt: (typeof resources)[keyof typeof resources],
    name: string,
  ): Promise<Record<string, unknown>> {
    return await admin.get(rt, name, namespace);
  }
  const auditFile = (): string => {
    if (operator === undefined) throw new Error("the operator was not started");
    return operator.process.auditFile;
  };
  const statusOf = async (rt: (typeof resources)[keyof typeof resources], name: string) =>
    ((await get(rt, name)).status ?? {}) as Record<string, unknown>;

  before(async () => {
    admin = await clientFor("admin");
    namespace = await createTestNamespace(admin, "change-control");
    operator = await startE2eOperator(admin, namespace, {
      id,
      labelKey: "stagegate.io/rbac-table",
      namePrefix: "rbac",
    });

    await admin.create(resources.environment, {
      apiVersion: "stagegate.io/v1alpha1",
      kind: "Environment",
      metadata: { name: env },
      spec: {
        regulated: true,
        delivery: ownsDeliveryIn(namespace, "argocd"),
        gate: {
          commitAuthorSource: "Declared",
          requiredApprovals: 2,
          approvers: { groups: ["approvers", "emergency-approvers"] },
          emergency: { approverGroups: ["emergency-approvers"], maxDuration: "4h" },
        },
      },
    });
    await admin.create(
      resources.release,
      {
        apiVersion: "stagegate.io/v1alpha1",
        kind: "Release",
        metadata: { name: "payments", namespace },
        spec: {
          version: "2.14.0",
          source: {
            repoURL: "https://git.example.com/payments.git",
            branch: "release/2.14",
            revision: "3f2a1c9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
            commits: [
              {
                sha: "3f2a1c9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
                author: { name: "Grace", email: "grace@example.com" },
                message: "PAY-12 round refunds half-even",
              },
            ],
          },
          pipeline: [env],
          targets: [
            {
              environment: env,
              argoCD: { name: "payments-prod", revision: "3f2a1c9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39" },
            },
          ],
          owners: { releaseManager: { name: "dave" }, rollbackOwner: { name: "bob" } },
        },
      },
      namespace,
    );
  });

  after(async () => {
    await operator?.stop();
    await admin?.delete(resources.environment, env).catch(() => undefined);
    admin?.close();
  });

  const rows: Row[] = [
    {
      who: "erin",
      does: "opens a change with requestedBy forged as alice",
      args: () => ["create", "-f", "-"],
      input: changeRequest("change-a", { requestedBy: { username: "alice", groups: ["cab"] } }),
      expect: "allowed",
      because: /created/,
      then: async () => {
        const spec = (await get(resources.changeRequest, "change-a")).spec as {
          requestedBy: { username: string };
        };
        assert.equal(spec.requestedBy.username, "erin", "the requester is stamped from the identity");
        await waitFor("the operator to open the Approval", () =>
          admin.get(resources.approval, "change-a", namespace),
        );
      },
    },
    {
      who: "erin",
      does: "rewrites requestedBy on her change",
      args: mergePatch(
        "changerequest",
        "change-a",
        JSON.stringify({ spec: { requestedBy: { username: "alice", groups: [] } } }),
      ),
      expect: "denied",
      because: /requestedBy is stamped at creation and cannot be added, changed or removed/,
    },
    {
      who: "erin",
      does: "edits her change's justification after its approval has opened",
      args: mergePatch(
        "changerequest",
        "change-a",
        JSON.stringify({ spec: { justification: "Something else entirely." } }),
      ),
      expect: "denied",
      because: /cannot be edited once its approval has started/,
    },
    {
      who: "erin",
      does: "approves her own change",
      args: mergePatch("approval", "change-a", decide("erin", { decision: "Approve" })),
      expect: "denied",
      because: /SeparationOfDuties/,
    },
    {
      who: "grace",
      does: "approves a change carrying her own commit",
      args: mergePatch("approval", "change-a", decide("grace@example.com", { decision: "Approve" })),
      expect: "denied",
      because: /SeparationOfDuties/,
    },
    {
      who: "alice",
      does: "approves on carol's behalf",
      args: mergePatch("approval", "change-a", decide("carol", { decision: "Approve" })),
      expect: "denied",
      because: /DecisionKeyMismatch/,
    },
    {
      who: "mallory",
      does: "approves without any role",
      args: mergePatch("approval", "change-a", decide("mallory", { decision: "Approve" })),
      expect: "denied",
      because: /forbidden/i,
    },
    {
      who: "dave",
      does: "approves as a release manager",
      args: mergePatch("approval", "change-a", decide("dave", { decision: "Approve" })),
      expect: "denied",
      because: /forbidden/i,
    },
    {
      who: "alice",
      does: "approves with a forged decision time and forged groups",
      args: mergePatch(
        "approval",
        "change-a",
        JSON.stringify({
          spec: {
            decisions: {
              alice: {
                decision: "Approve",
                comment: "Looks good.",
                decidedAt: "2020-01-01T00:00:00Z",
                groups: ["cab"],
              },
            },
          },
        }),
      ),
      expect: "allowed",
      because: /patched/,
      then: async () => {
        const spec = (await get(resources.approval, "change-a")).spec as {
          decisions: Record<string, { decidedAt: string; groups: string[] }>;
        };
        const alice = spec.decisions.alice;
        assert.ok(alice !== undefined);
        assert.notEqual(alice.decidedAt.slice(0, 4), "2020", "decidedAt comes from the server's clock");
        assert.deepEqual([...alice.groups].sort(), ["approvers", "system:authenticated"]);
      },
    },
    {
      who: "alice",
      does: "changes her decision to Reject",
      args: mergePatch("approval", "change-a", decide("alice", { decision: "Reject" })),
      expect: "denied",
      because: /a decision once written can be neither changed nor removed/,
    },
    {
      who: "alice",
      does: "removes her decision",
      args: mergePatch("approval", "change-a", '{"spec":{"decisions":{"alice":null}}}'),
      expect: "denied",
      because: /a decision once written can be neither changed nor removed/,
    },
    {
      who: "carol",
      does: "deletes alice's decision",
      args: mergePatch("approval", "change-a", '{"spec":{"decisions":{"alice":null}}}'),
      expect: "denied",
      because: /a decision once written can be neither changed nor removed/,
    },
    {
      who: "admin",
      does: "edits alice's decision as cluster-admin",
      args: mergePatch("approval", "change-a", '{"spec":{"decisions":{"alice":{"comment":"edited"}}}}'),
      expect: "denied",
      because: /a decision once written can be neither changed nor removed/,
    },
    {
      who: "bob",
      does: "marks a change Approved by writing its status",
      args: mergePatch("changerequest", "change-a", '{"status":{"resolution":"Approved"}}', "status"),
      expect: "denied",
      because: /forbidden/i,
    },
    {
      who: "alice",
      does: "marks an Approval Approved by writing its status",
      args: mergePatch("approval", "change-a", '{"status":{"outcome":"Approved"}}', "status"),
      expect: "denied",
      because: /forbidden/i,
    },
    {
      who: "admin",
      does: "creates an Approval with a decision already in it",
      args: () => ["create", "-f", "-"],
      input: (ns) => ({
        apiVersion: "stagegate.io/v1alpha1",
        kind: "Approval",
        metadata: { name: "prefilled", namespace: ns },
        spec: {
          changeRequestRef: { name: "change-a" },
          required: 1,
          eligible: { groups: ["approvers"] },
          decisions: { admin: { decision: "Approve", decidedAt: soon(0) } },
        },
      }),
      expect: "denied",
      because: /ApprovalPrefilled/,
    },
    {
      who: "carol",
      does: "gives the second approval",
      args: mergePatch("approval", "change-a", decide("carol", { decision: "Approve" })),
      expect: "allowed",
      because: /patched/,
      then: async () => {
        await waitFor("change-a to be Approved", async () =>
          (await statusOf(resources.changeRequest, "change-a")).resolution === "Approved" ? true : undefined,
        );
      },
    },
    {
      who: "bob",
      does: "opens an Emergency change without emergency details",
      args: () => ["create", "-f", "-"],
      input: changeRequest("change-e0", { type: "Emergency" }),
      expect: "denied",
      because: /a change of type Emergency needs spec\.emergency/,
    },
    {
      who: "bob",
      does: "opens an Emergency change without a justification",
      args: () => ["create", "-f", "-"],
      input: changeRequest("change-e1", {
        type: "Emergency",
        justification: "",
        emergency: { reason: "Payments are failing.", expiresAt: soon(2) },
      }),
      expect: "denied",
      because: /spec\.justification/,
    },
    {
      who: "bob",
      does: "opens an Emergency change that stays open past the environment's 4h maximum",
      args: () => ["create", "-f", "-"],
      input: changeRequest("change-e2", {
        type: "Emergency",
        emergency: { reason: "Payments are failing.", expiresAt: soon(10) },
      }),
      expect: "denied",
      because: /EmergencyExpiry/,
    },
    {
      who: "bob",
      does: "opens a valid Emergency change",
      args: () => ["create", "-f", "-"],
      input: changeRequest("change-e", {
        type: "Emergency",
        emergency: { reason: "Payments are failing in EU.", expiresAt: soon(2) },
      }),
      expect: "allowed",
      because: /created/,
      then: async () => {
        await waitFor("the emergency Approval", () => admin.get(resources.approval, "change-e", namespace));
      },
    },
    {
      who: "alice",
      does: "approves an Emergency change without being an emergency approver",
      args: mergePatch("approval", "change-e", decide("alice", { decision: "Approve" })),
      expect: "denied",
      because: /NotEligible/,
    },
    {
      who: "erin",
      does: "approves the Emergency change as an emergency approver",
      args: mergePatch("approval", "change-e", decide("erin", { decision: "Approve" })),
      expect: "allowed",
      because: /patched/,
      then: async () => {
        await waitFor("change-e to be Approved", async () =>
          (await statusOf(resources.changeRequest, "change-e")).resolution === "Approved" ? true : undefined,
        );
        const review = await waitFor("the post-implementation review task", () =>
          admin.get(resources.deploymentTask, "change-e-review", namespace),
        );
        assert.equal((review.spec as { type: string }).type, "PostImplementationReview");
      },
    },
    {
      who: "dave",
      does: "opens a change the CAB will reject",
      args: () => ["create", "-f", "-"],
      input: changeRequest("change-r", {}),
      expect: "allowed",
      because: /created/,
      then: async () => {
        await waitFor("change-r's Approval", () => admin.get(resources.approval, "change-r", namespace));
      },
    },
    {
      who: "carol",
      does: "rejects it",
      args: mergePatch(
        "approval",
        "change-r",
        decide("carol", { decision: "Reject", comment: "No rollback plan." }),
      ),
      expect: "allowed",
      because: /patched/,
      then: async () => {
        await waitFor("change-r to be closed", async () =>
          (await statusOf(resources.changeRequest, "change-r")).closedAt !== undefined ? true : undefined,
        );
      },
    },
    {
      who: "admin",
      does: "edits the closed change's justification as cluster-admin",
      args: mergePatch("changerequest", "change-r", '{"spec":{"justification":"Rewritten after the fact."}}'),
      expect: "denied",
      // The CRD rule answers first (spec frozen once approval started); the closed-object policy would too.
      because: /cannot be edited once its approval has started|is closed/,
    },
    {
      who: "admin",
      does: "reopens the closed change by removing closedAt as cluster-admin",
      args: mergePatch("changerequest", "change-r", '{"status":{"closedAt":null}}', "status"),
      expect: "denied",
      because: /is closed/,
    },
    {
      who: "alice",
      does: "adds a decision to the closed change's Approval",
      args: mergePatch("approval", "change-r", decide("alice", { decision: "Approve" })),
      expect: "denied",
      because: /ApprovalClosed|is closed/,
    },
    {
      who: "admin",
      does: "deletes the closed change before its retention ends",
      args: (ns) => ["delete", "changerequest", "change-r", "-n", ns, "--wait=false"],
      expect: "denied",
      because: /RetentionNotOver/,
    },
    {
      who: "dave",
      does: "opens a change he will withdraw",
      args: () => ["create", "-f", "-"],
      input: changeRequest("change-o", {}),
      expect: "allowed",
      because: /created/,
    },
    {
      who: "dave",
      does: "withdraws (deletes) the open change",
      args: (ns) => ["delete", "changerequest", "change-o", "-n", ns, "--wait=false"],
      expect: "allowed",
      because: /deleted/,
    },
    {
      who: "mallory",
      does: "lists change requests without any role",
      args: (ns) => ["get", "changerequests", "-n", ns],
      expect: "denied",
      because: /forbidden/i,
    },
    {
      who: "alice",
      does: "lists change requests as an approver",
      args: (ns) => ["get", "changerequests", "-n", ns],
      expect: "allowed",
      because: /change-a/,
    },
  ];

  it(`has at least 25 rows (${rows.length})`, () => assert.ok(rows.length >= 25));

  for (const [i, row] of rows.entries()) {
    it(`row ${i + 1}: ${row.who} ${row.does} -> ${row.expect}`, async () => {
      const input = row.input === undefined ? undefined : JSON.stringify(row.input(namespace));
      const result = await kubectl(row.who, row.args(namespace), input === undefined ? {} : { input });
      const said = `${result.stdout}\n${result.stderr}`;
      if (row.expect === "allowed") {
        assert.equal(result.code, 0, `expected success, kubectl said: ${said}`);
      } else {
        assert.notEqual(result.code, 0, `expected a refusal, kubectl said: ${said}`);
      }
      assert.match(said, row.because);
      await row.then?.(namespace);
    });
  }

  it("leaves an intact audit trail that tells the story", async () => {
    const verification = await verifyAuditFile(auditFile());
    assert.equal(verification.ok, true);
    const actions = readFileSync(auditFile(), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { actor: string; action: string; object: { name: string } });
    const has = (actor: string, action: string, name: string) =>
      actions.some((e) => e.actor === actor && e.action === action && e.object.name === name);
    assert.ok(has("erin", "ChangeRequested", "change-a"));
    assert.ok(has("erin", "AdmissionDenied", "change-a"), "the refused self-approval is on record");
    assert.ok(has("alice", "DecisionRecorded", "change-a"));
    assert.ok(has("carol", "DecisionRecorded", "change-a"));
    assert.ok(actions.some((e) => e.action === "ChangeApproved" && e.object.name === "change-a"));
    assert.ok(actions.some((e) => e.action === "ChangeRejected" && e.object.name === "change-r"));
    assert.ok(actions.some((e) => e.action === "ChangeClosed" && e.object.name === "change-r"));

    const tampered = path.join(mkdtempSync(path.join(tmpdir(), "stagegate-audit-")), "audit.jsonl");
    writeFileSync(tampered, readFileSync(auditFile(), "utf8").replace('"actor":"carol"', '"actor":"alice"'));
    const broken = await verifyAuditFile(tampered);
    assert.equal(broken.ok, false);
  });
});
