// The objects of the approval benchmark: a team namespace (the shipped user roles bound to the local identities'
// groups), an Environment that requires one approval from the approvers group and owns the namespace's Argo CD
// Applications, and per release an Application and a one-stage Release targeting it, each left waiting at the gate
// with its ChangeRequest and Approval opened by the operator. The approver (alice) then adds her decision, as
// `stagegate approve` does.
import { createHash } from "node:crypto";
import { ApprovalStatus } from "../../src/api/v1alpha1/approval.js";
import { ChangeRequestSpec, ChangeRequestStatus } from "../../src/api/v1alpha1/change-request.js";
import { resources } from "../../src/controllers/resources.js";
import type { KubeClient } from "../../src/runtime/kube/client.js";
import { builtin } from "../../src/runtime/kube/resource.js";
import { createEnvironment, ownsDeliveryIn } from "../../tests/support/controller-world.js";
import { createArgoApplication } from "../../tests/support/delivery-objects.js";
import { waitFor } from "../../tests/support/kube.js";
import { createRelease } from "../../tests/support/release-world.js";
import { bindTeamRoles } from "../../tests/support/team-rbac.js";
import type { PathObjects } from "./approval-audit.js";
import { runTimed } from "./timed-runs.js";

/** The gated environment every release of the run waits at. */
export const GATED = "approval-prod";

/** Where the run's objects live. */
export interface ApprovalScope {
  readonly admin: KubeClient;
  readonly namespace: string;
}

/** The namespace, its team roles, and the gated Environment owning its Applications. */
export async function createApprovalWorld(scope: ApprovalScope): Promise<void> {
  const { admin, namespace } = scope;
  await admin.create(builtin.namespace, {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: namespace },
  });
  await bindTeamRoles(admin, namespace);
  await createEnvironment({ admin }, GATED, {
    delivery: ownsDeliveryIn(namespace),
    gate: { requiredApprovals: 1, approvers: { groups: ["approvers"] } },
  });
}

const revisionOf = (i: number): string => createHash("sha1").update(`approval-${i}`).digest("hex");

/** Creates the Applications and Releases `0 .. count-1` (`concurrency` in flight). */
export async function createGatedReleases(
  scope: ApprovalScope,
  count: number,
  concurrency: number,
): Promise<void> {
  await runTimed(count, concurrency, async (i) => {
    await createArgoApplication(scope, `app-${i}`);
    const revision = revisionOf(i);
    await createRelease(scope, `rel-${i}`, {
      version: `1.0.${i}`,
      revision,
      pipeline: [GATED],
      targets: [{ environment: GATED, argoCD: { name: `app-${i}`, namespace: scope.namespace, revision } }],
    });
  });
}

/**
 * Waits (bounded) until every release `0 .. count-1` has its ChangeRequest with an Approval the Approval controller
 * has counted once (pending), and returns their objects by index.
 */
export async function waitAtGate(
  scope: ApprovalScope,
  count: number,
  timeoutMs: number,
): Promise<PathObjects[]> {
  return waitFor(
    `${count} releases waiting at the gate with their Approvals open`,
    async () => {
      const [changes, approvals] = await Promise.all([
        scope.admin.list(resources.changeRequest, { namespace: scope.namespace }),
        scope.admin.list(resources.approval, { namespace: scope.namespace }),
      ]);
      const pending = new Set(
        approvals.items
          .filter((a) => ApprovalStatus.safeParse(a.status ?? {}).data?.outcome === "Pending")
          .map((a) => a.metadata.name),
      );
      const byRelease = new Map<string, string>();
      for (const cr of changes.items) {
        const release = ChangeRequestSpec.safeParse(cr.spec).data?.releaseRef.name;
        const approval = ChangeRequestStatus.safeParse(cr.status ?? {}).data?.approvalRef?.name;
        if (release !== undefined && approval !== undefined && pending.has(approval)) {
          byRelease.set(release, approval);
        }
      }
      const objects = Array.from({ length: count }, (_, i) => {
        const approval = byRelease.get(`rel-${i}`);
        return approval === undefined
          ? undefined
          : { release: `rel-${i}`, changeRequest: approval, approval, application: `app-${i}` };
      });
      return objects.every((o) => o !== undefined) ? objects : undefined;
    },
    { timeoutMs, intervalMs: 1000 },
  );
}

/** alice's decision on one Approval, as `stagegate approve` writes it (admission stamps the time and groups). */
export async function approveAsAlice(alice: KubeClient, namespace: string, approval: string): Promise<void> {
  await alice.patch(
    resources.approval,
    approval,
    namespace,
    { spec: { decisions: { alice: { decision: "Approve", comment: "Benchmark approval." } } } },
    { type: "merge" },
  );
}
