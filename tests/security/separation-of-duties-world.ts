// The world of the separation-of-duties suite: a git repository whose commits several people wrote, the Releases
// the suite declares from it, and the reads and checks each attempt repeats (the operator's change for a release,
// a refused approval with its three assertions, a held change).
import assert from "node:assert/strict";
import { ApprovalSpec } from "../../src/api/v1alpha1/approval.js";
import { ChangeRequestSpec } from "../../src/api/v1alpha1/change-request.js";
import { API_VERSION } from "../../src/api/v1alpha1/group.js";
import type { StoredAuditEntry } from "../../src/audit/entry.js";
import { resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import type { KubeObject } from "../../src/runtime/kube/object.js";
import { readAuditEntries } from "../e2e/promotion-audit.js";
import { approveWithKubectl } from "../e2e/promotion-people.js";
import type { GitServer } from "../support/git-server.js";
import { waitFor } from "../support/kube.js";
import { releaseSpec } from "../support/release-world.js";

/** How long any one step may take before the test says what it waited for. */
export const STEP_MS = 60_000;

/** What every helper reads: the admin client, the test namespace, the served repository and the operator's trail. */
export interface SodWorld {
  admin: KubeClient;
  namespace: string;
  git: GitServer;
  auditFile: string;
}

/** The commits of the shop: bob's (declared in the spec), carol's and grace's (left out of it), mallory's (a branch). */
export const CHANGES = [
  // Bob's is the oldest commit: the change's lead time starts at its author date.
  {
    name: "Bob Builder",
    email: "bob@example.com",
    message: "SHOP-1 basket",
    authoredAt: "2026-11-20T09:15:00+01:00",
  },
  {
    name: "Carol Coder",
    email: "carol@corp.example",
    message: "SHOP-2 checkout",
    authoredAt: "2026-11-21T12:00:00Z",
  },
  { name: "Grace", email: "grace@example.com", message: "SHOP-3 receipts" },
  { name: "Mallory", email: "mallory@elsewhere.example", message: "SHOP-4 tweak", branch: "tweak" },
];

/** A Release of the shop at `revision`, delivered to `environment` through the Application `application`. */
export function sodRelease(
  w: SodWorld,
  name: string,
  revision: string,
  application: string,
  environment: string,
  extra: Record<string, unknown> = {},
) {
  const spec = releaseSpec({
    version: "1.0.0",
    revision,
    repoURL: w.git.url,
    pipeline: [environment],
    targets: [{ environment, argoCD: { name: application, namespace: w.namespace, revision } }],
    // The requester declares only bob's commit: carol and grace wrote the others and left themselves out.
    commits: [{ sha: w.git.shas[0] ?? "", author: { name: "Bob Builder", email: "bob@example.com" } }],
  });
  return {
    apiVersion: API_VERSION,
    kind: "Release",
    metadata: { name, namespace: w.namespace },
    spec: { ...spec, ...extra },
  };
}

/** The ChangeRequest the operator opened for `releaseName`, once it exists. */
export async function operatorChange(w: SodWorld, releaseName: string): Promise<KubeObject> {
  return waitFor(
    `the operator's ChangeRequest for ${releaseName}`,
    async () => {
      const list = await w.admin.list(resources.changeRequest, { namespace: w.namespace });
      return list.items.find(
        (cr) => ChangeRequestSpec.safeParse(cr.spec).data?.releaseRef.name === releaseName,
      );
    },
    { timeoutMs: STEP_MS },
  );
}

/** The operator's audit trail as it stands. */
export function trail(w: SodWorld): StoredAuditEntry[] {
  return readAuditEntries(w.auditFile);
}

/** The AdmissionDenied entry of `actor` for `name`, naming `rule`, once it is on the trail. */
export function denialOnTrail(
  w: SodWorld,
  actor: string,
  name: string,
  rule: string,
): Promise<StoredAuditEntry> {
  return waitFor(`an AdmissionDenied entry by ${actor} on ${name} (${rule})`, () =>
    trail(w).find(
      (e) =>
        e.action === "AdmissionDenied" &&
        e.actor === actor &&
        e.object.name === name &&
        e.details.rule === rule,
    ),
  );
}

/** Tries to approve `approval` as `who`; asserts the SeparationOfDuties denial, the untouched object, the entry. */
export async function refusedApproval(
  w: SodWorld,
  who: "alice" | "carol" | "grace",
  user: string,
  approval: string,
  why: RegExp,
): Promise<void> {
  const beforeObj = await w.admin.get(resources.approval, approval, w.namespace);
  const result = await approveWithKubectl(who, user, w.namespace, approval, "looks good to me");
  assert.notEqual(result.code, 0, `${who}'s approval was admitted: ${result.stdout}`);
  assert.match(result.stderr, /SeparationOfDuties: .*separation of duties/);
  assert.match(result.stderr, why);
  assert.match(result.stderr, /ask another approver/);
  const afterObj = await w.admin.get(resources.approval, approval, w.namespace);
  // The spec is untouched (the operator may count the Approval meanwhile, which moves the resourceVersion).
  assert.equal(afterObj.metadata.generation, beforeObj.metadata.generation);
  assert.equal(ApprovalSpec.parse(afterObj.spec).decisions[user], undefined);
  await denialOnTrail(w, user, approval, "SeparationOfDuties");
}

/** Waits for the change of `releaseName` to be held with `reason`; asserts no Approval opened. Returns the message. */
export async function heldChange(w: SodWorld, releaseName: string, reason: string): Promise<string> {
  const change = await operatorChange(w, releaseName);
  const name = change.metadata.name ?? "";
  const held = await waitFor(
    `the ${releaseName} change held with ${reason}`,
    async () => {
      const cr = await w.admin.get(resources.changeRequest, name, w.namespace);
      const conditions = (cr.status as { conditions?: { type: string; reason: string; message: string }[] })
        ?.conditions;
      return conditions?.find((c) => c.type === "Approved" && c.reason === reason);
    },
    { timeoutMs: STEP_MS },
  );
  await assert.rejects(w.admin.get(resources.approval, name, w.namespace), /not ?found/i);
  assert.equal(
    trail(w).some((e) => e.action === "ApprovalOpened" && e.object.name === name),
    false,
    "no Approval was opened",
  );
  return held.message;
}
